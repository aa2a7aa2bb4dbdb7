"""Researcher pages need a logged-in researcher; anyone else is sent to log in or refused."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from comparisons.permissions import is_researcher
from comparisons.models import Study
from comparisons.selectors import study_owned


def researcher_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_researcher(request.user):
            raise PermissionDenied("Only researchers can see these pages.")
        return view(request, *args, **kwargs)

    return wrapper


def own_study(request, slug: str) -> Study:
    """The request's researcher's study `slug` (comparisons.selectors.study_owned), or 404."""
    return study_owned(request.user, slug)
