"""`manage.py researcher_token USERNAME`: create the researcher if needed, print a token."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from rest_framework.authtoken.models import Token

from comparisons.permissions import RESEARCHERS_GROUP


class Command(BaseCommand):
    help = "Create a researcher account if needed and print its API token (Authorization: Token ...)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--password", help="Also set this password (for the web pages and admin).")
        parser.add_argument("--rotate", action="store_true", help="Replace an existing token with a new one.")
        parser.add_argument("--admin", action="store_true", help="Also make the account a superuser (Django admin).")

    def handle(
        self, *args: Any, username: str, password: str | None, rotate: bool, admin: bool, **options: Any
    ) -> None:
        user, created = get_user_model().objects.get_or_create(username=username)
        if created and not password:
            user.set_unusable_password()
        if password:
            user.set_password(password)
        if admin:
            user.is_staff = user.is_superuser = True
        user.save()
        group, _ = Group.objects.get_or_create(name=RESEARCHERS_GROUP)
        user.groups.add(group)
        if rotate:
            Token.objects.filter(user=user).delete()
        token, _ = Token.objects.get_or_create(user=user)
        if created:
            self.stderr.write(f"Created researcher {username!r}.")
        self.stdout.write(token.key)
