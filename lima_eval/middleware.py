"""A Content-Security-Policy on every answer that does not set its own (the rater pages set
a stricter one, the chart's SVG its own): settings.LIMA_CSP, by default scripts and styles
from this origin only, no plugins, no framing, forms posting here only."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if settings.LIMA_CSP and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = settings.LIMA_CSP
        return response
