"""A real chat-completions server on loopback for the tests: scripted answers, injected
429s with Retry-After, 5xx, slow answers, malformed bodies. It records every request (when,
body, headers) and the most requests it had in flight at once."""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    status: int = 200
    content: str | None = '{"verdict": "tie"}'
    raw: bytes | None = None  # sent as is instead of a chat completion
    headers: dict = field(default_factory=dict)
    delay: float = 0.0
    usage: tuple[int, int] = (100, 10)


@dataclass
class Seen:
    at: float
    body: dict | None
    headers: dict
    path: str = ""

    @property
    def prompt(self) -> str:
        return self.body["messages"][-1]["content"] if self.body else ""


def shown(prompt: str) -> tuple[str, str]:
    """The texts of Response A and Response B in a judge prompt built from the default template."""
    match = re.search(r"\[Response A\]\n(.*?)\n\n\[Response B\]\n(.*?)\n\nChoose", prompt, re.DOTALL)
    assert match, prompt
    return match.group(1), match.group(2)


def prefers(marker: str) -> Callable[[Seen], Reply]:
    """A judge that picks the response containing `marker` (tie when both or neither do)."""

    def answer(seen: Seen) -> Reply:
        a, b = shown(seen.prompt)
        verdict = "A" if marker in a and marker not in b else "B" if marker in b and marker not in a else "tie"
        return Reply(content=json.dumps({"verdict": verdict}))

    return answer


def _payload(reply: Reply, body: dict | None) -> bytes:
    """The body sent for `reply`: its raw bytes, a chat completion, or an error object."""
    if reply.raw is not None:
        return reply.raw
    if reply.status != 200:
        return json.dumps({"error": {"message": reply.content or "error"}}).encode()
    return json.dumps(
        {
            "id": "cmpl-1",
            "object": "chat.completion",
            "model": body and body.get("model"),
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": reply.content}, "finish_reason": "stop"}
            ],
            "usage": {
                "prompt_tokens": reply.usage[0],
                "completion_tokens": reply.usage[1],
                "total_tokens": sum(reply.usage),
            },
        }
    ).encode()


class FakeLLM:
    def __init__(self) -> None:
        self.script: deque[Reply] = deque()
        self.respond: Callable[[Seen], Reply] = lambda seen: Reply()
        self.requests: list[Seen] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = None
                seen = Seen(time.monotonic(), body, dict(self.headers), self.path)
                with fake.lock:
                    fake.requests.append(seen)
                    fake.in_flight += 1
                    fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
                    reply = fake.script.popleft() if fake.script else None
                finished = False

                def finish() -> None:  # before answering: the client may reuse its slot as soon as it reads
                    nonlocal finished
                    if not finished:
                        finished = True
                        with fake.lock:
                            fake.in_flight -= 1

                try:
                    reply = reply or fake.respond(seen)
                    if reply.delay:
                        fake.stopping.wait(reply.delay)
                    payload = _payload(reply, body)
                    finish()
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout): fine
                finally:
                    finish()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def push(self, *replies: Reply) -> None:
        self.script.extend(replies)

    def start(self) -> FakeLLM:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()
