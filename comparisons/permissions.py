"""Who may use the researcher API: members of the "researchers" group, and superusers."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

RESEARCHERS_GROUP = "researchers"


def is_researcher(user) -> bool:
    if not user or not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or user.groups.filter(name=RESEARCHERS_GROUP).exists()


class IsResearcher(BasePermission):
    message = "A researcher's token or login is required."

    def has_permission(self, request, view) -> bool:
        return is_researcher(request.user)
