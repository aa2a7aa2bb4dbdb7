"""The one module that talks HTTP to Prolific's researcher API (https://docs.prolific.com/api-reference).

Calls used (all under `{PROLIFIC_API_URL}/api/v1/`, `Authorization: Token <token>`):
- `GET studies/{id}/`, `PATCH studies/{id}/` (external_study_url, completion_codes,
  total_available_places), `POST studies/{id}/transition/` `{"action": "PAUSE" | "START"}`;
- `GET studies/{id}/submissions/` (paginated: `results`, next page at `_links.next.href`);
- `POST submissions/{id}/transition/` `{"action": "APPROVE"}` or `{"action": "REJECT",
  "message", "rejection_category"}`;
- bonuses in two steps: `POST submissions/bonus-payments/` `{"study_id", "csv_bonuses"}`
  creates a batch (`id`, `amount`, `fees`, `total_amount`), `POST bulk-bonus-payments/{id}/pay/`
  pays it. Prolific documents the pay call as NOT idempotent, so `pay_bonus` never retries a
  request that may have reached Prolific: only a 429 or a connection never made is retried.

The token is read from the environment variable PROLIFIC_API_TOKEN of the process on every
call, never stored on an object that is logged or returned, and scrubbed from every error
message. URLs are built by joining paths onto the base URL. Other calls retry 429 (waiting what
Retry-After asks), 5xx, timeouts and connection errors with exponential backoff; a 4xx raises
`ProlificError` with Prolific's own message."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from comparisons.retry import backoff_delay, retry_after_seconds

DEFAULT_URL = "https://api.prolific.com"
TOKEN_ENV = "PROLIFIC_API_TOKEN"
URL_ENV = "PROLIFIC_API_URL"
RETRY_STATUSES = {429, 500, 502, 503, 504}
MESSAGE_CHARS = 500
MAX_PAGES = 1000
JSON = dict[str, Any]


class ProlificError(Exception):
    """A call that did not succeed. `status`: Prolific's HTTP status (None: no answer);
    `retryable`: a later sync may try again; `uncertain`: the request may have reached Prolific
    (a non-idempotent call must not be sent again without checking)."""

    def __init__(
        self, message: str, *, status: int | None = None, retryable: bool = False, uncertain: bool = False
    ) -> None:
        super().__init__(message)
        self.message, self.status, self.retryable, self.uncertain = message, status, retryable, uncertain


@dataclass(frozen=True)
class Config:
    base_url: str = DEFAULT_URL
    timeout: float = 20.0
    max_attempts: int = 4
    backoff_base: float = 1.0
    backoff_cap: float = 30.0


def config_from_env(**overrides: Any) -> Config:
    return Config(base_url=os.environ.get(URL_ENV) or DEFAULT_URL, **overrides)


def backoff_seconds(config: Config, attempt: int, retry_after: float | None) -> float:
    """comparisons.retry.backoff_delay with this client's base and cap."""
    return backoff_delay(base=config.backoff_base, cap=config.backoff_cap, attempt=attempt, retry_after=retry_after)


def _token() -> str:
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise ProlificError(f"the environment variable {TOKEN_ENV} is not set in this process", retryable=True)
    return token


def _scrub(text: str, token: str) -> str:
    return text.replace(token, "[token]") if token else text


def prolific_message(response: httpx.Response) -> str:
    """Prolific's own words from an error body (`error.detail`, `detail`, or field errors)."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:MESSAGE_CHARS]
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict):
            detail = inner.get("detail", inner)
            if isinstance(detail, str):
                return detail[:MESSAGE_CHARS]
            if isinstance(detail, (dict, list)):
                return str(detail)[:MESSAGE_CHARS]
        elif isinstance(inner, str):
            return inner[:MESSAGE_CHARS]
    return str(body)[:MESSAGE_CHARS]


class Prolific:
    """A client for one process: `Prolific()` reads PROLIFIC_API_URL and the token now."""

    def __init__(
        self,
        config: Config | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.config = config or config_from_env()
        self._sleep = sleep
        self._transport = transport

    def url(self, path: str) -> str:
        """`path` (relative, e.g. "studies/abc/") joined onto `{base}/api/v1/`."""
        base = self.config.base_url.rstrip("/") + "/api/v1/"
        return urljoin(base, path.lstrip("/"))

    def _client(self, token: str) -> httpx.Client:
        timeout = httpx.Timeout(self.config.timeout, connect=min(10.0, self.config.timeout))
        return httpx.Client(
            timeout=timeout,
            headers={"Authorization": f"Token {token}"},
            transport=self._transport,
            follow_redirects=False,
        )

    def request(
        self, method: str, path: str, *, json: Any = None, params: dict[str, str] | None = None, idempotent: bool = True
    ) -> Any:
        """One call with retries; the decoded JSON body (None when empty). A non-idempotent
        call is retried only when Prolific cannot have acted on it (429, connect failures)."""
        token = _token()
        url = path if path.startswith(("http://", "https://")) else self.url(path)
        last: ProlificError | None = None
        with self._client(token) as client:
            for attempt in range(1, self.config.max_attempts + 1):
                try:
                    response = client.request(method, url, json=json, params=params)
                except httpx.TransportError as exc:
                    last, retry_after = self._transport_error(exc, token, idempotent), None
                else:
                    if response.status_code < 300:
                        return response.json() if response.content.strip() else None
                    last = _status_error(response, token, idempotent)
                    retry_after = retry_after_seconds(response.headers.get("Retry-After"))
                if not last.retryable or last.uncertain:
                    raise last
                if attempt < self.config.max_attempts:
                    self._sleep(backoff_seconds(self.config, attempt, retry_after))
        assert last is not None
        raise ProlificError(
            f"gave up after {self.config.max_attempts} attempts: {last.message}",
            status=last.status,
            retryable=True,
            uncertain=last.uncertain,
        )

    def _transport_error(self, exc: httpx.TransportError, token: str, idempotent: bool) -> ProlificError:
        """No answer. A request that never connected cannot have been acted on; any other may have."""
        if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout)):
            return ProlificError(_scrub(f"could not connect to Prolific: {exc}", token), retryable=True)
        if isinstance(exc, httpx.TimeoutException):
            message = f"Prolific did not answer within {self.config.timeout:g}s ({type(exc).__name__})"
        else:
            message = _scrub(f"the connection to Prolific failed: {exc}", token)
        return ProlificError(message, retryable=True, uncertain=not idempotent)

    def request_object(self, method: str, path: str, **kwargs: Any) -> JSON:
        """A call whose answer must be a JSON object."""
        body = self.request(method, path, **kwargs)
        if not isinstance(body, dict):
            raise ProlificError(f"Prolific answered {method} {path} with {type(body).__name__}, not an object")
        return body

    # Studies
    def study(self, study_id: str) -> JSON:
        return self.request_object("GET", f"studies/{_segment(study_id)}/")

    def study_update(self, study_id: str, **fields: Any) -> JSON:
        return self.request_object("PATCH", f"studies/{_segment(study_id)}/", json=fields)

    def study_transition(self, study_id: str, action: str) -> JSON:
        return self.request_object("POST", f"studies/{_segment(study_id)}/transition/", json={"action": action})

    # Submissions
    def submissions(self, study_id: str) -> Iterator[JSON]:
        """Every submission of the study, following the pages Prolific hands out; a next-page
        link is followed only on the configured host."""
        path: str | None = f"studies/{_segment(study_id)}/submissions/"
        for _ in range(MAX_PAGES):
            if path is None:
                return
            page = self.request_object("GET", path)
            yield from (row for row in page.get("results") or [] if isinstance(row, dict))
            path = _next_page(page, self.url(""))
        raise ProlificError(f"more than {MAX_PAGES} pages of submissions")

    def submission_transition(
        self, submission_id: str, action: str, *, message: str = "", rejection_category: str = ""
    ) -> JSON:
        body: dict[str, str] = {"action": action}
        if message:
            body["message"] = message
        if rejection_category:
            body["rejection_category"] = rejection_category
        return self.request_object("POST", f"submissions/{_segment(submission_id)}/transition/", json=body)

    # Bonuses
    def bonus_create(self, study_id: str, rows: list[tuple[str, str]]) -> JSON:
        """Set up a bulk bonus (no money moves): rows of (participant id, amount in the study's currency)."""
        csv = "\n".join(f"{pid},{amount}" for pid, amount in rows)
        created = self.request_object(
            "POST", "submissions/bonus-payments/", json={"study_id": study_id, "csv_bonuses": csv}
        )
        if not created.get("id"):
            raise ProlificError("Prolific created a bonus batch without an id")
        return created

    def bonus_pay(self, batch_id: str) -> Any:
        """Pay a batch. Not idempotent at Prolific: raises ProlificError(uncertain=True) when the
        request may have been acted on, and is never sent twice by this client."""
        return self.request("POST", f"bulk-bonus-payments/{_segment(batch_id)}/pay/", idempotent=False)


def _status_error(response: httpx.Response, token: str, idempotent: bool) -> ProlificError:
    """An answer of 300 or more: a 4xx is final; 429 and 5xx are retried, but a 5xx to a
    non-idempotent call may have been acted on (uncertain); a 429 was not."""
    status = response.status_code
    message = f"Prolific answered {status}: {_scrub(prolific_message(response), token)}"
    if status not in RETRY_STATUSES:
        return ProlificError(message, status=status)
    return ProlificError(message, status=status, retryable=True, uncertain=not idempotent and status != 429)


def _segment(value: str) -> str:
    """An id as one path segment: refuse anything that would change the path."""
    if not value or any(c in value for c in "/?#\\") or value in {".", ".."}:
        raise ProlificError(f"not a Prolific id: {value[:40]!r}")
    return value


def _next_page(page: JSON, api_root: str) -> str | None:
    links = page.get("_links") or {}
    nxt = links.get("next") if isinstance(links, dict) else None
    href = nxt.get("href") if isinstance(nxt, dict) else nxt if isinstance(nxt, str) else page.get("next")
    if not href or not isinstance(href, str):
        return None
    absolute = urljoin(api_root, href)
    if urlsplit(absolute).netloc != urlsplit(api_root).netloc:
        raise ProlificError("Prolific's next-page link points to another host")
    return absolute
