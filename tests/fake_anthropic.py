"""A fake Anthropic Messages API on 127.0.0.1 for tests and benchmarks: the real SDK, no network.

The real `anthropic` 2.x client talks HTTP/1.1 through its own transport (httpx2), so mocking
libraries for httpx do not see it; a loopback server does. The server records every request
(path, headers, parsed JSON body) and answers from a script: each entry is a message dict, an
`Error`, a `Delay`, a `Raw` body, or a callable that builds one of those from the request body.
When the script is empty, `auto_reply` answers whatever tool the request forces, so a happy
path needs no script at all.

Every reply carries content-length (the SDK keeps connections alive) and errors carry
`retry-after-ms: 10` so the SDK's retries cost milliseconds, not seconds.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

ERROR_TYPES = {400: "invalid_request_error", 401: "authentication_error", 429: "rate_limit_error",
               500: "api_error", 503: "api_error", 529: "overloaded_error"}


@dataclass
class Error:
    status: int
    message: str = "fake error"
    type: str | None = None


@dataclass
class Delay:
    seconds: float
    then: Any = None  # the reply after the delay (None: auto_reply)


@dataclass
class Raw:
    body: bytes
    status: int = 200
    content_type: str = "application/json"


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    raw: bytes
    body: Any = None

    @property
    def text(self) -> str:
        return self.raw.decode("utf-8", "replace")


# --------------------------------------------------------------------------- message builders

_ids = {"n": 0}


def _next_id(prefix: str) -> str:
    _ids["n"] += 1
    return f"{prefix}_fake_{_ids['n']:04d}"


def tool_use(name: str, payload: dict[str, Any], *, id: str | None = None) -> dict[str, Any]:
    return {"type": "tool_use", "id": id or _next_id("toolu"), "name": name, "input": payload}


def message(*blocks: dict[str, Any], model: str = "claude-sonnet-4-6", stop_reason: str | None = None,
            usage: dict[str, int] | None = None) -> dict[str, Any]:
    content = list(blocks) or [{"type": "text", "text": "ok"}]
    if stop_reason is None:
        stop_reason = "tool_use" if any(b["type"] == "tool_use" for b in content) else "end_turn"
    return {"id": _next_id("msg"), "type": "message", "role": "assistant", "model": model, "content": content,
            "stop_reason": stop_reason, "stop_sequence": None,
            "usage": usage or {"input_tokens": 1200, "output_tokens": 300,
                               "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}}


def data_block(body: dict[str, Any]) -> dict[str, Any] | None:
    """The JSON DATA block csuite puts in the first user message, if any."""
    for msg in body.get("messages", []):
        content = msg.get("content")
        texts = [content] if isinstance(content, str) else [
            c.get("text", "") for c in content or [] if isinstance(c, dict) and c.get("type") == "text"]
        for text in texts:
            match = re.search(r"<csuite_data[^>]*>\s*(\{.*\})\s*</csuite_data>", text, re.S)
            if match:
                return json.loads(match.group(1))
    return None


def evidence_ids(body: dict[str, Any]) -> list[str]:
    data = data_block(body) or {}
    return [e["id"] for e in data.get("evidence", [])]


def forced_tool(body: dict[str, Any]) -> str | None:
    choice = body.get("tool_choice") or {}
    return choice.get("name") if choice.get("type") == "tool" else None


def answer_payload(*, cite: str = "ctx.arr", text: str | None = None, bottom: str | None = None,
                   deadline: str = "2026-12-15", extra_findings: list[dict] | None = None) -> dict[str, Any]:
    """A valid submit_answer input citing one evidence id through [[id]] substitution."""
    findings = [{"text": text or f"The number that matters is [[{cite}]]",
                 "so_what": "it sets the size of every plan built on it", "sources": [cite], "tag": "verified"}]
    findings += extra_findings or []
    return {
        "bottom_line": bottom or f"Start from [[{cite}]] and fix the weakest rate first.",
        "findings": findings,
        "why": ["Rates compound; one broken rate caps the whole plan."],
        "actions": [{"action": "Review the forecast with each rep", "owner": "CRO", "deadline": deadline}],
        "risks": ["The data may be stale."],
        "decision": {"question": "Which rate do we fix first?",
                     "options": [{"option": "Win rate", "tradeoff": "slow to move"},
                                 {"option": "Coverage", "tradeoff": "costs pipeline spend"}],
                     "recommendation": "Fix win rate first."},
        "questions": ["What changed in the last two quarters?"],
    }


def review_payload(quote: str, verdict: str = "address") -> dict[str, Any]:
    return {"weakest_point": "the recommendation leans on one number", "quote": quote,
            "missing_perspective": "the CFO's cash view", "cost_if_wrong": "a quarter of pipeline spend",
            "verdict": verdict}


def auto_reply(body: dict[str, Any]) -> dict[str, Any]:
    """Answer whatever the request forces: a route, a critic review or a drafted answer."""
    tool = forced_tool(body)
    model = body.get("model", "claude-sonnet-4-6")
    if tool == "route":
        return message(tool_use("route", {"primary": "cro", "consult": [], "in_scope": True, "referral": None,
                                          "reason": "revenue question"}), model=model)
    if tool == "submit_review":
        prompt = json.dumps(body.get("messages", []))
        match = re.search(r"Recommendation: ([^\\\n]+)", prompt)
        quote = match.group(1).strip() if match else "nothing"
        return message(tool_use("submit_review", review_payload(quote)), model=model)
    ids = evidence_ids(body)
    cite = "ctx.arr" if "ctx.arr" in ids or not ids else ids[0]
    return message(tool_use("submit_answer", answer_payload(cite=cite, bottom=verdict_first(body, cite))), model=model)


def verdict_first(body: dict[str, Any], cite: str) -> str | None:
    """A bottom line that follows rule 7, as a good model does: the verdict's figures first."""
    verdict = (data_block(body) or {}).get("verdict") or {}
    owed = verdict.get("must_state") or []
    if not owed:
        return None
    return "On your numbers: " + ", ".join(f"[[{i}]]" for i in owed) + f". Start from [[{cite}]] and fix the weakest rate first."


# --------------------------------------------------------------------------- the server

@dataclass
class FakeAnthropic:
    """Start with `with FakeAnthropic() as fake:`; `fake.url` is the base URL for the SDK."""

    script: deque = field(default_factory=deque)
    requests: list[Recorded] = field(default_factory=list)
    default: Callable[[dict[str, Any]], Any] = auto_reply

    def push(self, *replies: Any) -> "FakeAnthropic":
        self.script.extend(replies)
        return self

    @property
    def messages(self) -> list[Recorded]:
        return [r for r in self.requests if r.path.startswith("/v1/messages")]

    def bodies(self) -> list[dict[str, Any]]:
        return [r.body for r in self.messages if isinstance(r.body, dict)]

    # -- lifecycle
    def __enter__(self) -> "FakeAnthropic":
        fake = self
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = None
                record = Recorded(path=self.path, headers={k.lower(): v for k, v in self.headers.items()},
                                  raw=raw, body=body)
                with lock:
                    fake.requests.append(record)
                    reply = fake.script.popleft() if fake.script else fake.default
                if self.path.endswith("/count_tokens"):
                    self._send(200, json.dumps({"input_tokens": len(raw) // 4}).encode())
                    return
                self._reply(reply, body or {})

            def _reply(self, reply: Any, body: dict[str, Any]) -> None:
                if callable(reply):
                    reply = reply(body)
                if isinstance(reply, Delay):
                    time.sleep(reply.seconds)
                    self._reply(reply.then if reply.then is not None else fake.default, body)
                    return
                if isinstance(reply, Error):
                    kind = reply.type or ERROR_TYPES.get(reply.status, "api_error")
                    payload = {"type": "error", "error": {"type": kind, "message": reply.message}}
                    self._send(reply.status, json.dumps(payload).encode(), {"retry-after-ms": "10"})
                    return
                if isinstance(reply, Raw):
                    self._send(reply.status, reply.body, content_type=reply.content_type)
                    return
                self._send(200, json.dumps(reply).encode())

            def _send(self, status: int, data: bytes, headers: dict[str, str] | None = None,
                      content_type: str = "application/json") -> None:
                try:
                    self.send_response(status)
                    self.send_header("content-type", content_type)
                    self.send_header("content-length", str(len(data)))
                    self.send_header("request-id", _next_id("req"))
                    for key, value in (headers or {}).items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(data)
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
                    pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            block_on_close = False

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass

        self._server = Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"
