"""What `csuite ask` shows on a terminal: the answer rendered by `rich`, and a spinner while a
step takes longer than a second.

Both need a terminal and the optional `rich` extra (`pip install 'csuite-advisors[rich]'`).
Piped output, `--plain`, `TERM=dumb` or no rich give exactly the plain Markdown, and one note per
step on stderr when stderr is a terminal.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import threading
from typing import Any, TextIO

PROGRESS_DELAY_ENV = "CSUITE_PROGRESS_DELAY"  # seconds a step runs before the spinner shows (default 1)


def has_rich() -> bool:
    return importlib.util.find_spec("rich") is not None


def is_terminal(stream: TextIO) -> bool:
    return stream.isatty() and os.environ.get("TERM") != "dumb"


def print_answer(markdown: str, *, plain: bool = False, stream: TextIO | None = None) -> None:
    """The answer on stdout: rendered when it is a terminal (headings, tables, emphasis), else
    the Markdown text unchanged, so a pipe or a file gets what `--format markdown` promises."""
    stream = stream or sys.stdout
    if plain or not is_terminal(stream) or not has_rich():
        stream.write(markdown)
        return
    from rich.console import Console
    from rich.markdown import Markdown

    Console(file=stream).print(Markdown(markdown))


class StepProgress:
    """The runner's progress callback for a terminal.

    With rich, a spinner naming the current step appears once a step has run for a second and
    stays until the answer is ready (then it is erased). Without rich, one note per step."""

    def __init__(self, prog: str, *, stream: TextIO | None = None) -> None:
        self.prog = prog
        self.stream = stream or sys.stderr
        self.delay = _delay()
        self.message = ""
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._status: Any = None
        self._closed = False
        self._rich = has_rich()

    def __call__(self, message: str) -> None:
        with self._lock:
            self.message = message
            if not self._rich:
                self.stream.write(f"{self.prog}: {message}…\n")
                return
            if self._status is not None:
                self._status.update(self._spinner(), refresh=True)
                return
            if self._timer is not None:
                self._timer.cancel()
            if self.delay <= 0:
                self._start_spinner()
                return
            self._timer = threading.Timer(self.delay, self._show)
            self._timer.daemon = True
            self._timer.start()

    def _spinner(self) -> Any:
        from rich.spinner import Spinner

        return Spinner("dots", text=f"{self.message}…")

    def _show(self) -> None:
        with self._lock:
            self._start_spinner()

    def _start_spinner(self) -> None:
        """Called with the lock held."""
        from rich.console import Console
        from rich.live import Live

        if self._closed or self._status is not None:
            return
        self._status = Live(self._spinner(), console=Console(file=self.stream), transient=True,
                            refresh_per_second=12.5)
        self._status.start(refresh=True)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._timer is not None:
                self._timer.cancel()
            if self._status is not None:
                self._status.stop()
                self._status = None

    def __enter__(self) -> "StepProgress":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _delay() -> float:
    try:
        return max(0.0, float(os.environ.get(PROGRESS_DELAY_ENV, "1")))
    except ValueError:
        return 1.0
