"""A fake Prolific researcher API: a real HTTP server on loopback that keeps state (studies,
places, submissions and their transitions, bulk bonus batches and what was paid to whom) and
fails on command (429 with Retry-After, 5xx, slow answers, 4xx with Prolific's error shape).

Its rules follow Prolific's documentation where the tests depend on them: submissions move
AWAITING REVIEW → APPROVED / REJECTED only; a rejection needs a message of 100 characters or
more and a rejection category; places cannot go below places taken; a bonus batch is created
by one call and paid by another, and paying the same batch twice pays twice (Prolific's pay
call is not idempotent)."""

from __future__ import annotations

import itertools
import json
import re
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

CATEGORIES = {
    "TOO_QUICKLY",
    "TOO_SLOWLY",
    "FAILED_INSTRUCTIONS",
    "INCOMP_LONGITUDINAL",
    "FAILED_CHECK",
    "LOW_EFFORT",
    "MALINGERING",
    "NO_CODE",
    "BAD_CODE",
    "NO_DATA",
    "UNSUPP_DEVICE",
    "OTHER",
}


@dataclass
class Fail:
    """What to do with the next request matching `method` and `path` (a regex on the path)."""

    method: str
    path: str
    status: int = 500
    message: str = "Internal error"
    headers: dict = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering
    act: bool = False  # act on the request anyway (before the delay), then answer `status`


@dataclass
class Seen:
    method: str
    path: str
    body: Any
    headers: dict


class FakeProlific:
    def __init__(self, token: str, *, page_size: int = 2) -> None:
        self.token = token
        self.page_size = page_size
        self.studies: dict[str, dict] = {}
        self.submissions: dict[str, dict] = {}
        self.batches: dict[str, dict] = {}
        self.paid: dict[str, Decimal] = defaultdict(Decimal)  # participant → bonus paid in total
        self.pay_calls: dict[str, int] = defaultdict(int)
        self.fails: list[Fail] = []
        self.requests: list[Seen] = []
        self.completions: list[str] = []  # completion codes participants were redirected with
        self.lock = threading.RLock()
        self.stopping = threading.Event()
        self._ids = itertools.count(1)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = None
                url = urlsplit(self.path)
                with fake.lock:
                    fake.requests.append(Seen(self.command, url.path, body, dict(self.headers)))
                    fail = fake._take_fail(self.command, url.path)
                try:
                    if url.path == "/submissions/complete":  # the participant's redirect back to Prolific
                        with fake.lock:
                            fake.completions.append(parse_qs(url.query).get("cc", [""])[0])
                        return self._send_html("<p>Prolific: submission complete</p>")
                    if not url.path.startswith("/api/"):  # the browser's favicon and the like
                        return self._send_html("")
                    if self.headers.get("Authorization") != f"Token {fake.token}":
                        return self._send(401, {"error": {"detail": "Invalid token."}})
                    if fail is not None and not fail.act:
                        fake.stopping.wait(fail.delay)
                        return self._send(fail.status, {"error": {"detail": fail.message}}, fail.headers)
                    with fake.lock:
                        status, payload = fake.route(
                            self.command, url.path, parse_qs(url.query), body, f"http://{self.headers.get('Host')}"
                        )
                    if fail is not None:  # acted; now answer late or wrongly
                        fake.stopping.wait(fail.delay)
                        return self._send(fail.status, {"error": {"detail": fail.message}}, fail.headers)
                    self._send(status, payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def _send_html(self, html: str) -> None:
                data = html.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _send(self, status: int, payload: Any, headers: dict | None = None) -> None:
                data = b"" if payload is None else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # Control
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> FakeProlific:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()

    def reset(self) -> None:
        with self.lock:
            for store in (self.studies, self.submissions, self.batches, self.paid, self.pay_calls):
                store.clear()
            self.fails.clear()
            self.requests.clear()
            self.completions.clear()

    def fail(self, *fails: Fail) -> None:
        with self.lock:
            self.fails.extend(fails)

    def _take_fail(self, method: str, path: str) -> Fail | None:
        for i, f in enumerate(self.fails):
            if f.method == method and re.search(f.path, path):
                return self.fails.pop(i)
        return None

    def calls(self, method: str, pattern: str) -> list[Seen]:
        with self.lock:
            return [s for s in self.requests if s.method == method and re.search(pattern, s.path)]

    # Prolific's side of a study: what a researcher and participants do there
    def add_study(self, study_id: str, *, url: str, code: str, places: int = 5, status: str = "ACTIVE") -> dict:
        study = {
            "id": study_id,
            "name": "LIMA",
            "status": status,
            "external_study_url": url,
            "completion_codes": [{"code": code, "code_type": "COMPLETED", "actions": [{"action": "MANUALLY_REVIEW"}]}],
            "total_available_places": places,
            "places_taken": 0,
        }
        with self.lock:
            self.studies[study_id] = study
        return study

    def participant_starts(self, study_id: str, pid: str) -> str:
        with self.lock:
            sid = f"sub{next(self._ids):04d}"
            self.submissions[sid] = {
                "id": sid,
                "study_id": study_id,
                "participant_id": pid,
                "status": "ACTIVE",
                "started_at": "2026-11-30T10:00:00Z",
                "completed_at": None,
                "entered_code": "",
            }
            self.studies[study_id]["places_taken"] += 1
        return sid

    def participant_completes(self, sid: str, code: str) -> None:
        with self.lock:
            self.submissions[sid].update(
                status="AWAITING REVIEW", entered_code=code, completed_at="2026-11-30T10:20:00Z"
            )

    def participant_leaves(self, sid: str, status: str = "RETURNED") -> None:
        with self.lock:
            self.submissions[sid]["status"] = status
            self.studies[self.submissions[sid]["study_id"]]["places_taken"] -= 1

    # The API
    def route(self, method: str, path: str, query: dict, body: Any, host: str) -> tuple[int, Any]:
        def err(status: int, detail: Any) -> tuple[int, Any]:
            return status, {"error": {"status": status, "detail": detail}}

        if m := re.fullmatch(r"/api/v1/studies/([^/]+)/", path):
            study = self.studies.get(m[1])
            if study is None:
                return err(404, "Not found.")
            if method == "GET":
                return 200, study
            if method == "PATCH":
                body = body or {}
                places = body.get("total_available_places")
                if places is not None and places < study["places_taken"]:
                    return err(400, {"total_available_places": ["Cannot be lower than the places taken."]})
                study.update(body)
                return 200, study
        if (m := re.fullmatch(r"/api/v1/studies/([^/]+)/transition/", path)) and method == "POST":
            study = self.studies.get(m[1])
            action = (body or {}).get("action")
            moves = {("PAUSE", "ACTIVE"): "PAUSED", ("START", "PAUSED"): "ACTIVE"}
            move = (str(action), str(study["status"]) if study else "")
            if study is None or move not in moves:
                return err(400, f"Cannot {action} a study that is {study and study['status']}.")
            study["status"] = moves[move]
            return 200, study
        if (m := re.fullmatch(r"/api/v1/studies/([^/]+)/submissions/", path)) and method == "GET":
            rows = [s for s in self.submissions.values() if s["study_id"] == m[1]]
            offset = int(query.get("offset", ["0"])[0])
            page = rows[offset : offset + self.page_size]
            nxt = offset + self.page_size
            links = {"next": {"href": f"{host}{path}?offset={nxt}" if nxt < len(rows) else None}}
            return 200, {"results": page, "_links": links, "meta": {"count": len(rows)}}
        if (m := re.fullmatch(r"/api/v1/submissions/([^/]+)/transition/", path)) and method == "POST":
            sub = self.submissions.get(m[1])
            body = body or {}
            if sub is None:
                return err(404, "Not found.")
            if sub["status"] != "AWAITING REVIEW":
                return err(400, f"Submission is {sub['status']}: it cannot be {body.get('action', '').lower()}d.")
            if body.get("action") == "APPROVE":
                sub["status"] = "APPROVED"
                return 200, sub
            if body.get("action") == "REJECT":
                if len(body.get("message") or "") < 100:
                    return err(400, {"message": ["Ensure this field has at least 100 characters."]})
                if body.get("rejection_category") not in CATEGORIES:
                    return err(400, {"rejection_category": ["Not a valid choice."]})
                sub.update(status="REJECTED", rejection=body)
                self.studies[sub["study_id"]]["places_taken"] -= 1
                return 200, sub
            return err(400, "Unknown action.")
        if path == "/api/v1/submissions/bonus-payments/" and method == "POST":
            body = body or {}
            study_id = body.get("study_id")
            if study_id not in self.studies:
                return err(400, "Unknown study.")
            bonus_rows: list[tuple[str, Decimal]] = []
            for line in (body.get("csv_bonuses") or "").splitlines():
                pid, amount = line.split(",")
                if not any(s["participant_id"] == pid and s["study_id"] == study_id for s in self.submissions.values()):
                    return err(400, f"{pid} has no submission in this study.")
                bonus_rows.append((pid, Decimal(amount)))
            batch_id = f"bb{next(self._ids):04d}"
            amount = sum((a for _, a in bonus_rows), Decimal(0))
            self.batches[batch_id] = {"id": batch_id, "study": study_id, "rows": bonus_rows}
            cents = int(amount * 100)
            return 201, {
                "id": batch_id,
                "study": study_id,
                "amount": cents,
                "fees": cents // 3,
                "vat": 0,
                "total_amount": cents + cents // 3,
            }
        if (m := re.fullmatch(r"/api/v1/bulk-bonus-payments/([^/]+)/pay/", path)) and method == "POST":
            batch = self.batches.get(m[1])
            if batch is None:
                return err(404, "Not found.")
            self.pay_calls[m[1]] += 1
            for pid, amount in batch["rows"]:  # not idempotent, as Prolific documents
                self.paid[pid] += amount
            return 202, None
        return err(404, f"No route {method} {path}")
