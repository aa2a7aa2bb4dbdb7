"""Middleware: every query parameter, and every form field of a page's POST, through
`comparisons.text.text_problem` before a view sees it. A refusal is a 400 naming the field:
the API's error shape under /api/, a short page elsewhere. The rater's vote form is left to
its view, which answers with the vote form kept (raters/views_vote.py)."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.html import escape

from comparisons.text import text_problem

OWN_CHECK = re.compile(r"^/r/[^/]+/vote/$")


def first_problem(request: HttpRequest) -> tuple[str, str] | None:
    """(field, reason) for the first query parameter or form field that is refused."""
    sources = [request.GET]
    content_type = request.content_type or ""
    if (
        request.method == "POST"
        and not request.path.startswith("/api/")
        and not OWN_CHECK.match(request.path)
        and (content_type.startswith("multipart/") or content_type == "application/x-www-form-urlencoded")
    ):
        sources.append(request.POST)
    for source in sources:
        for key, values in source.lists():
            problem = text_problem(key)
            if problem:
                return "parameter name", problem
            for value in values:
                problem = text_problem(value)
                if problem:
                    return key, problem
    return None


class TextGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        found = first_problem(request)
        if found is None:
            return self.get_response(request)
        field, reason = found
        if request.path.startswith("/api/"):
            error = {"row": None, "field": field, "reason": reason}
            return JsonResponse(
                {"detail": f"invalid input: {field}: {reason}", "error_count": 1, "errors": [error]}, status=400
            )
        return HttpResponse(
            f"<!doctype html><title>Bad request</title><h1>Bad request</h1>"
            f"<p>The field {escape(field)} {escape(reason)}. Go back and correct it.</p>",
            status=400,
        )


class ApiNotFoundMiddleware:
    """A path under /api/ that matches no route answers the API's error shape, not Django's
    HTML 404 page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code == 404
            and request.path.startswith("/api/")
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            error = {"row": None, "field": "path", "reason": "no such API route or object"}
            return JsonResponse({"detail": "Not found.", "error_count": 1, "errors": [error]}, status=404)
        return response
