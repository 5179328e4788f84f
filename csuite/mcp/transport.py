"""stdio for the MCP server, with an answer for every line a client sends.

The SDK's stdio transport drops a line it cannot parse without a word, so a client that sent
broken JSON or a JSON-RPC batch waits forever. Here each line is screened first: a line that is
not JSON gets a -32700 (parse error) response, a batch array or anything that is not a JSON-RPC
message gets -32600 (invalid request), with the request's id when it has one; everything else
goes to the SDK unchanged. The server keeps serving either way.

The protocol is written to a private copy of the process's stdout, and file descriptor 1 is
pointed at stderr while serving, so a stray print (ours or a library's) can never corrupt the
stream.
"""

from __future__ import annotations

import io
import json
import os
import sys
import threading
from typing import Any, AsyncIterator, BinaryIO

from pydantic import ValidationError

PARSE_ERROR = -32700
INVALID_REQUEST = -32600


def error_line(code: int, message: str, request_id: Any = None) -> str:
    return json.dumps({"jsonrpc": "2.0", "id": request_id, "error": {"code": code, "message": message}})


def _request_id(message: dict[str, Any]) -> Any:
    value = message.get("id")
    return value if isinstance(value, (str, int)) and not isinstance(value, bool) else None


def _message_problem(message: dict[str, Any]) -> str | None:
    """Why the installed SDK would refuse this object as a JSON-RPC message, or None."""
    try:
        from mcp_types import jsonrpc_message_adapter  # mcp >= 2
        validate = jsonrpc_message_adapter.validate_python
    except ImportError:
        from mcp.types import JSONRPCMessage  # mcp 1.x
        validate = JSONRPCMessage.model_validate
    try:
        validate(message)
    except ValidationError:
        return "not a JSON-RPC 2.0 request, notification or response"
    return None


def screen(line: str) -> str | None:
    """None when the line is a message for the SDK; otherwise the error response to send back."""
    if not line.strip():
        return None  # a blank line between messages: nothing to answer
    try:
        message = json.loads(line)
    except (ValueError, RecursionError):
        return error_line(PARSE_ERROR, "Parse error: the line is not valid JSON")
    if isinstance(message, list):
        return error_line(INVALID_REQUEST, "Invalid Request: batches are not supported; send one message per line")
    if not isinstance(message, dict):
        return error_line(INVALID_REQUEST, "Invalid Request: a message is a JSON object")
    problem = _message_problem(message)
    if problem:
        return error_line(INVALID_REQUEST, f"Invalid Request: {problem}", _request_id(message))
    return None


class LineWriter:
    """Whole lines to the wire, one at a time (the SDK's writer and the screen share it)."""

    def __init__(self, wire: BinaryIO) -> None:
        self._wire = wire
        self._lock = threading.Lock()

    def _write(self, text: str) -> None:
        with self._lock:
            self._wire.write(text.encode("utf-8"))
            self._wire.flush()

    async def write(self, text: str) -> None:
        import anyio

        await anyio.to_thread.run_sync(self._write, text)

    async def flush(self) -> None:
        return None


class ScreenedLines:
    """The client's lines, less the ones answered here with an error."""

    def __init__(self, lines: Any, out: LineWriter) -> None:
        self._lines, self._out = lines, out

    def __aiter__(self) -> AsyncIterator[str]:
        return self._screened()

    async def _screened(self) -> AsyncIterator[str]:
        async for line in self._lines:
            answer = screen(line)
            if answer is None:
                yield line
            else:
                await self._out.write(answer + "\n")


def _wire_ends() -> tuple[BinaryIO, BinaryIO]:
    """Private copies of stdin and stdout for the protocol; fd 0 then reads nothing and fd 1
    goes to stderr, so nothing else in the process can read or write the wire."""
    if os.name == "nt":  # pragma: no cover - Windows keeps the plain streams
        return sys.stdin.buffer, sys.stdout.buffer
    sys.stdout.flush()
    wire_in = os.fdopen(os.dup(0), "rb")
    wire_out = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(2, 1)
    return wire_in, wire_out


def serve_stdio(server: Any) -> None:
    """Serve an MCPServer (mcp 2.x) or FastMCP (1.x) on stdio until the client disconnects."""
    import anyio
    from mcp.server.stdio import stdio_server

    # The one place that needs the SDK's low-level server: 2.x and 1.x name it differently.
    lowlevel = getattr(server, "_lowlevel_server", None) or server._mcp_server
    wire_in, wire_out = _wire_ends()
    out = LineWriter(wire_out)
    lines = anyio.wrap_file(io.TextIOWrapper(wire_in, encoding="utf-8", errors="replace"))

    async def main() -> None:
        async with stdio_server(stdin=ScreenedLines(lines, out), stdout=out) as (read, write):  # type: ignore[arg-type]
            await lowlevel.run(read, write, lowlevel.create_initialization_options())

    anyio.run(main)
