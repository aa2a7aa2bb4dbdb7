"""A rater's walk through the pages over real HTTP (httpx), for the live-server tests and
the benchmark: enter with Prolific parameters, consent, then fetch and vote."""

from __future__ import annotations

import re

import httpx

TOKEN = re.compile(r'name="token" value="([^"]+)"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def found(pattern: re.Pattern[str], text: str) -> str:
    """The first group of `pattern` in `text`, which must match."""
    match = pattern.search(text)
    assert match is not None, f"{pattern.pattern} not in {text[:300]!r}"
    return match.group(1)


class HttpRater:
    def __init__(self, base: str, slug: str, pid: str, *, timeout: float = 30.0) -> None:
        self.http = httpx.Client(base_url=base, timeout=timeout, follow_redirects=False)
        self.slug, self.pid = slug, pid
        self.statuses: list[int] = []

    def _record(self, response: httpx.Response) -> httpx.Response:
        self.statuses.append(response.status_code)
        return response

    def enter(self) -> None:
        self._record(
            self.http.get(f"/r/{self.slug}/", params={"PROLIFIC_PID": self.pid, "STUDY_ID": "S", "SESSION_ID": "X"})
        )
        page = self._record(self.http.get(f"/r/{self.slug}/instructions/")).text
        self._record(
            self.http.post(
                f"/r/{self.slug}/instructions/", data={"consent": "yes", "csrfmiddlewaretoken": found(CSRF, page)}
            )
        )

    def next_pair(self) -> tuple[str | None, str, httpx.Response]:
        """(token, csrf, response): token is None when there is no pair (finished, full, closed)."""
        response = self._record(self.http.get(f"/r/{self.slug}/vote/"))
        token = TOKEN.search(response.text) if response.status_code == 200 else None
        csrf = CSRF.search(response.text)
        return (token.group(1) if token else None), (csrf.group(1) if csrf else ""), response

    def vote(self, token: str, csrf: str, choice: str) -> httpx.Response:
        return self._record(
            self.http.post(
                f"/r/{self.slug}/vote/", data={"token": token, "choice": choice, "csrfmiddlewaretoken": csrf}
            )
        )

    def close(self) -> None:
        self.http.close()
