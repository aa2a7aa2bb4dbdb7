"""Researcher pages need a logged-in researcher; anyone else is sent to log in or refused."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from comparisons.models import Study
from comparisons.permissions import is_researcher
from comparisons.selectors import study_owned


def researcher_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_researcher(request.user):
            raise PermissionDenied("Only researchers can see these pages.")
        return view(request, *args, **kwargs)

    return wrapper


def own_study(request: HttpRequest, slug: str) -> Study:
    """The request's researcher's study `slug` (comparisons.selectors.study_owned), or 404."""
    return study_owned(request.user, slug)
