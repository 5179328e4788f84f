"""A progress line on stderr for work that takes more than a couple of seconds.

Only when stderr is a terminal: piped or captured output stays exactly what the command prints.
The line is rewritten in place every second and erased when the work ends.
"""

from __future__ import annotations

import sys
import threading
import time
from contextlib import contextmanager
from typing import Iterator, TextIO

DELAY_SECONDS = 2.0


@contextmanager
def progress(prog: str, label: str, *, after: float = DELAY_SECONDS, stream: TextIO | None = None) -> Iterator[None]:
    stream = stream or sys.stderr
    if not getattr(stream, "isatty", lambda: False)():
        yield
        return
    stop = threading.Event()
    started = time.monotonic()

    def show() -> None:
        if stop.wait(after):
            return
        while not stop.is_set():
            stream.write(f"\r{prog}: working on {label}… {time.monotonic() - started:.0f} s")
            stream.flush()
            stop.wait(1.0)
        stream.write("\r\033[K")
        stream.flush()

    thread = threading.Thread(target=show, name="progress", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
