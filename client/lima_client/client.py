"""A typed Python client for the lima-eval researcher API, over httpx (nothing of the server).

    from lima_client import Client
    with Client("http://127.0.0.1:8000", token) as lima:
        lima.create_study(name="LIMA vs baselines", slug="lima", focal_system="LIMA 65B", baselines=["GPT-4"])
        lima.upload_outputs("lima", path="outputs.jsonl", progress=True)
        lima.open_study("lima")
        table = lima.results("lima")

Every error answer raises ApiError carrying the API's body: `detail` and `errors` (row,
field, reason). A failed upload job raises JobFailed the same way."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Self

import httpx

from lima_client.progress import Bar

CHUNK = 64 * 1024
Progress = Callable[[int, int], None]  # (done, total)
Json = dict[str, Any]  # an API answer's JSON object


@dataclass(frozen=True)
class ErrorItem:
    row: int | None
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{'row ' + str(self.row) + ', ' if self.row is not None else ''}{self.field}: {self.reason}"


class ApiError(Exception):
    """An error answer: `status`, the API's `detail` and `errors`, and the raw `body`."""

    def __init__(self, status: int, detail: str, errors: list[ErrorItem] | None = None, body: Any = None) -> None:
        self.status, self.detail, self.errors, self.body = status, detail, errors or [], body
        super().__init__(str(self))

    def __str__(self) -> str:
        lines = [f"HTTP {self.status}: {self.detail}"] + [f"  {e}" for e in self.errors]
        return "\n".join(lines)

    @classmethod
    def from_response(cls, response: httpx.Response) -> ApiError:
        try:
            body = response.json()
        except ValueError:
            return cls(response.status_code, response.text[:500] or response.reason_phrase, body=response.text)
        if not isinstance(body, dict):
            return cls(response.status_code, str(body)[:500], body=body)
        return cls(
            response.status_code, str(body.get("detail", response.reason_phrase)), _errors(body.get("errors")), body
        )


class JobFailed(ApiError):
    """An upload job that failed: nothing was stored. `status` is what a direct upload
    would have answered (400 or 409)."""


def _errors(raw: Any) -> list[ErrorItem]:
    if not isinstance(raw, list):
        return []
    return [
        ErrorItem(e.get("row"), str(e.get("field", "")), str(e.get("reason", e.get("detail", ""))))
        for e in raw
        if isinstance(e, dict)
    ]


class _Bars:
    """A progress callback drawing a Bar, created on the first update (when the total is known)."""

    def __init__(self, label: str, unit: str) -> None:
        self.label, self.unit = label, unit
        self.bar: Bar | None = None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = Bar(self.label, total, unit=self.unit)
        self.bar.update(done)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _progress(progress: bool | Progress | None, label: str, unit: str) -> Progress | None:
    return _Bars(label, unit) if progress is True else (progress or None)


def _close(progress: Progress | None) -> None:
    if isinstance(progress, _Bars):
        progress.close()


class Client:
    def __init__(
        self, base_url: str, token: str, *, timeout: float = 60.0, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = httpx.Client(
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout, connect=10.0),
            transport=transport,
            headers={"Authorization": f"Token {token}", "Accept": "application/json"},
        )

    @classmethod
    def from_env(cls, base_url: str | None = None, token: str | None = None, **kwargs: Any) -> Client:
        """Flags first, then LIMA_EVAL_URL and LIMA_EVAL_TOKEN."""
        url = base_url or os.environ.get("LIMA_EVAL_URL") or "http://127.0.0.1:8000"
        token = token or os.environ.get("LIMA_EVAL_TOKEN")
        if not token:
            raise ValueError(
                "no API token: pass --token or set LIMA_EVAL_TOKEN (manage.py researcher_token prints one)"
            )
        return cls(url, token, **kwargs)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = self.http.request(method, path, **kwargs)
        if response.status_code >= 400:
            raise ApiError.from_response(response)
        return response

    def request_json(self, method: str, path: str, **kwargs: Any) -> Json:
        """The answer's JSON object (an error answer raises ApiError)."""
        return _object(self.request(method, path, **kwargs).json())

    # Studies
    def studies(self) -> list[Json]:
        return _objects(self.request_json("GET", "/api/studies/", params={"limit": 1000})["results"])

    def create_study(
        self,
        *,
        name: str,
        design: str = "focal",
        slug: str | None = None,
        focal_system: str | None = None,
        baselines: list[str] | None = None,
        systems: list[str] | None = None,
        votes_per_comparison: int | None = None,
        question: str | None = None,
        choices: dict[str, str] | None = None,
        scale: list[str] | None = None,
        both_bad: bool | None = None,
        per_turn: bool | None = None,
    ) -> Json:
        """A draft study. `design` is focal, all_pairs, rating or dialogue; a rating or dialogue
        study takes `systems` and an optional `scale` (its labels, lowest first). A pairwise study
        may offer "both are bad" (`both_bad`) and compare dialogue continuations turn by turn
        (`per_turn`)."""
        body = {
            "name": name,
            "design": design,
            "slug": slug,
            "focal_system": focal_system,
            "baselines": baselines,
            "systems": systems,
            "votes_per_comparison": votes_per_comparison,
            "question": question,
            "choices": choices,
            "scale": scale,
            "both_bad": both_bad,
            "per_turn": per_turn,
        }
        return self.request_json("POST", "/api/studies/", json={k: v for k, v in body.items() if v is not None})

    def study(self, slug: str) -> Json:
        return self.request_json("GET", f"/api/studies/{slug}/")

    def open_study(self, slug: str, *, wait: bool = True, timeout: float = 300.0, interval: float = 0.5) -> Json:
        """Open the study; with `wait`, return once its comparisons are built."""
        study = self.request_json("POST", f"/api/studies/{slug}/open/")
        deadline = time.monotonic() + timeout
        while wait and not _built_since_open(study):
            if time.monotonic() > deadline:
                raise TimeoutError(f"the comparisons of {slug!r} were not built within {timeout:.0f}s")
            time.sleep(interval)
            study = self.study(slug)
        return study

    def close_study(self, slug: str) -> Json:
        return self.request_json("POST", f"/api/studies/{slug}/close/")

    # Outputs and jobs
    def upload_outputs(
        self,
        slug: str,
        rows: Iterable[Json] | None = None,
        *,
        path: str | Path | None = None,
        replace: bool = False,
        progress: bool | Progress = False,
        wait: bool = True,
        timeout: float = 3600.0,
    ) -> Json:
        """Upload rows (or a .jsonl file) as JSON Lines. Returns the counts; a large upload
        becomes a job, waited for unless `wait` is false (then the job is returned)."""
        data = _jsonl(rows, path)
        sent = _progress(progress, "upload", "bytes")
        try:
            response = self.request(
                "POST",
                f"/api/studies/{slug}/outputs/",
                params={"replace": "true"} if replace else None,
                content=_chunks(data, sent),
                headers={"Content-Type": "application/x-ndjson", "Content-Length": str(len(data))},
            )
        finally:
            _close(sent)
        body = _object(response.json())
        if response.status_code != 202 or not wait:
            return body
        stored = _progress(progress, "store ", "rows")
        try:
            job = self.wait_for_job(body["id"], timeout=timeout, progress=stored)
        finally:
            _close(stored)
        return _object(job["counts"])

    def job(self, job_id: str) -> Json:
        return self.request_json("GET", f"/api/jobs/{job_id}/")

    def wait_for_job(
        self, job_id: str, *, timeout: float = 3600.0, interval: float = 0.5, progress: Progress | None = None
    ) -> Json:
        deadline = time.monotonic() + timeout
        while True:
            job = self.job(job_id)
            if progress:
                progress(job["processed_rows"], job["total_rows"])
            if job["status"] == "succeeded":
                return job
            if job["status"] == "failed":
                errors = job.get("errors") or []
                detail = (
                    errors[0].get("detail", "the job failed") if errors and "detail" in errors[0] else "the job failed"
                )
                raise JobFailed(
                    job.get("error_status") or 400, detail, _errors([e for e in errors if "field" in e]), job
                )
            if time.monotonic() > deadline:
                raise TimeoutError(f"job {job_id} still {job['status']} after {timeout:.0f}s")
            time.sleep(interval)

    # Votes and results
    def import_votes(self, slug: str, rows: Iterable[Json] | None = None, *, path: str | Path | None = None) -> Json:
        data = _jsonl(rows, path)
        return self.request_json(
            "POST", f"/api/studies/{slug}/votes/import/", content=data, headers={"Content-Type": "application/x-ndjson"}
        )

    def results(
        self,
        slug: str,
        *,
        level: float | None = None,
        method: str | None = None,
        aggregate: str | None = None,
        rater_group: str | None = None,
        exclude_raters: list[str] | None = None,
        fresh: bool = False,
        timeout: float = 120.0,
    ) -> Json:
        """Results; with `fresh`, wait while the served snapshot is stale."""
        params = {
            "level": level,
            "method": method,
            "aggregate": aggregate,
            "rater_group": rater_group,
            "exclude_raters": ",".join(exclude_raters) if exclude_raters else None,
        }
        params = {k: v for k, v in params.items() if v is not None}
        deadline = time.monotonic() + timeout
        while True:
            data = self.request_json("GET", f"/api/studies/{slug}/results/", params=params, timeout=max(timeout, 60))
            if not (fresh and data.get("stale")) or time.monotonic() > deadline:
                return data
            time.sleep(1.0)

    def export_votes(self, slug: str, dest: str | Path, *, fmt: str = "csv") -> int:
        """Stream votes.csv or votes.jsonl to `dest`; returns the bytes written."""
        written = 0
        with self.http.stream("GET", f"/api/studies/{slug}/votes.{fmt}") as response:
            if response.status_code >= 400:
                response.read()
                raise ApiError.from_response(response)
            with open(dest, "wb") as out:
                for chunk in response.iter_bytes():
                    written += out.write(chunk)
        return written

    # Judges
    def judges(self, slug: str) -> list[Json]:
        return _objects(self.request("GET", f"/api/studies/{slug}/judges/").json())

    def create_judge(self, slug: str, *, name: str, base_url: str, model: str, **fields: Any) -> Json:
        body = {
            "name": name,
            "base_url": base_url,
            "model": model,
            **{k: v for k, v in fields.items() if v is not None},
        }
        return self.request_json("POST", f"/api/studies/{slug}/judges/", json=body)

    def run_judge(self, slug: str, name: str, *, retry_failed: bool = True, retry_lost: bool = False) -> Json:
        return self.request_json(
            "POST",
            f"/api/studies/{slug}/judges/{name}/run/",
            json={"retry_failed": retry_failed, "retry_lost": retry_lost},
        )

    def judge_status(self, slug: str, name: str) -> Json:
        return self.request_json("GET", f"/api/studies/{slug}/judges/{name}/status/")

    # Collecting a system's responses from an OpenAI-compatible endpoint
    def collect_responses(self, slug: str, *, system: str, base_url: str, model: str, **fields: Any) -> Json:
        body = {
            "system": system,
            "base_url": base_url,
            "model": model,
            **{k: v for k, v in fields.items() if v is not None},
        }
        return self.request_json("POST", f"/api/studies/{slug}/collections/", json=body)

    def collection(self, slug: str, collection_id: int) -> Json:
        return self.request_json("GET", f"/api/studies/{slug}/collections/{collection_id}/")


def _jsonl(rows: Iterable[Json] | None, path: str | Path | None) -> bytes:
    """The body of a JSON Lines upload: the file at `path`, or one line per row."""
    if path is not None and rows is None:
        return Path(path).read_bytes()
    if rows is not None and path is None:
        return "".join(json.dumps(r) + "\n" for r in rows).encode()
    raise ValueError("give rows or path, not both")


def _chunks(data: bytes, progress: Progress | None) -> Iterator[bytes]:
    for start in range(0, len(data), CHUNK):
        yield data[start : start + CHUNK]
        if progress:
            progress(min(start + CHUNK, len(data)), len(data))
    if not data and progress:
        progress(0, 0)


def _object(value: Any) -> Json:
    if not isinstance(value, dict):
        raise ValueError(f"expected a JSON object from the API, got {type(value).__name__}")
    return value


def _objects(value: Any) -> list[Json]:
    if not isinstance(value, list):
        raise ValueError(f"expected a JSON list from the API, got {type(value).__name__}")
    return [_object(item) for item in value]


def _built_since_open(study: Json) -> bool:
    built, opened = (study.get("queue_report") or {}).get("built_at"), study.get("opened_at")
    if not built or not opened:
        return False
    return datetime.fromisoformat(built) >= datetime.fromisoformat(opened)
