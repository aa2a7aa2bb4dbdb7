"""Researcher pages need a logged-in researcher; anyone else is sent to log in or refused."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from comparisons.permissions import is_researcher
from comparisons.selectors import studies_for


def researcher_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_researcher(request.user):
            raise PermissionDenied("Only researchers can see these pages.")
        return view(request, *args, **kwargs)

    return wrapper


def own_study(request, slug: str):
    return get_object_or_404(studies_for(request.user).select_related("focal_system"), slug=slug)
