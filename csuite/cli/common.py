"""What every command shares: exit codes, one-line errors, JSON printing."""

from __future__ import annotations

import json
import os
import sys
from typing import Any, Callable

from csuite.errors import (  # noqa: F401  (EXIT_* re-exported for the command modules)
    EXIT_BAD_INPUT,
    EXIT_OK,
    EXIT_UNEXPECTED,
    InputError,
    UsageError,
    one_line,
    validation_message,
)


def print_json(data: Any) -> None:
    if hasattr(data, "as_dict"):  # a dataclass result (the route): plain data, then the json module
        data = data.as_dict()
    if hasattr(data, "model_dump_json"):
        # A pydantic model serialises itself (in Rust, indented): the json module's indenting
        # encoder is pure Python and dominated the run on 100,000 cohorts. Its UTF-8 bytes go
        # straight to a UTF-8 stdout that writes newlines as they are: decoding 95 MB to text and
        # encoding it back cost a tenth of a second and two more copies in memory.
        encoded = data.__pydantic_serializer__.to_json(data, indent=2)
        buffer = getattr(sys.stdout, "buffer", None)
        utf8 = (getattr(sys.stdout, "encoding", None) or "").lower().replace("-", "") == "utf8"
        if buffer is not None and utf8 and os.linesep == "\n":
            sys.stdout.flush()
            buffer.write(encoded)
            buffer.write(b"\n")
        else:
            sys.stdout.write(encoded.decode() + "\n")
        return
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def note(message: str) -> None:
    """A diagnostic for the human: always stderr, so stdout stays clean JSON or text."""
    sys.stderr.write(message.rstrip("\n") + "\n")


def stdout_gone() -> int:
    """The reader of stdout went away (`csuite route ... | head -1`): nothing more can be said, and
    that is not an error. Point stdout at /dev/null so the flush at exit stays quiet; exit 0."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (AttributeError, OSError, ValueError):  # stdout has no descriptor (closed, or replaced in tests)
        pass
    return EXIT_OK


def flushed(code: int) -> int:
    """`code`, once stdout is flushed: a reader that left early makes it a clean exit 0."""
    try:
        if sys.stdout is not None:  # None when the caller closed the descriptor (`>&-`)
            sys.stdout.flush()
    except BrokenPipeError:
        return stdout_gone()
    except (OSError, ValueError):  # stdout closed under us: nothing more to flush
        pass
    return code


def guarded(prog: str, func: Callable[[], int]) -> int:
    """Run a command body and map failures to DESIGN.md's exit codes without tracebacks.

    An OSError is the environment refusing a path the user gave (a missing folder for an output
    file, no permission, a full disk): exit 2 with the path and the reason, like bad input."""
    try:
        return flushed(func())
    except (InputError, UsageError) as exc:
        note(f"{prog}: error: {one_line(str(exc))}")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        note(f"{prog}: interrupted")
        return 130
    except BrokenPipeError:
        return stdout_gone()
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        note(f"{prog}: error: {one_line(where + (exc.strerror or type(exc).__name__))}")
        return EXIT_BAD_INPUT
    except Exception as exc:  # a bug: say so in one line, traceback only on request
        from pydantic import (
            ValidationError,  # only on this path, so `csuite route` starts without pydantic
        )

        if isinstance(exc, ValidationError):
            note(f"{prog}: error: {one_line(validation_message(exc))}")
            return EXIT_BAD_INPUT
        if os.environ.get("CSUITE_DEBUG"):
            import traceback  # only on this path: a thirtieth of `csuite route`'s start-up

            traceback.print_exc()
        note(f"{prog}: unexpected error: {type(exc).__name__}: {one_line(str(exc))} "
             "(set CSUITE_DEBUG=1 for a traceback)")
        return EXIT_UNEXPECTED
