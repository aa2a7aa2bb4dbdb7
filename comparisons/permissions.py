"""Who may use the researcher API: members of the "researchers" group, and superusers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rest_framework.permissions import BasePermission

if TYPE_CHECKING:  # rest_framework.views reads the API settings, which name this module
    from rest_framework.request import Request
    from rest_framework.views import APIView

RESEARCHERS_GROUP = "researchers"


def is_researcher(user: Any) -> bool:
    if not user or not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or user.groups.filter(name=RESEARCHERS_GROUP).exists()


class IsResearcher(BasePermission):
    message = "A researcher's token or login is required."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return is_researcher(request.user)
