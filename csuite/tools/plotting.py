"""Charts for `--plot`: one way to open a headless figure and save it, for every tool.

matplotlib is imported here, lazily, only when a chart is asked for (the `plots` extra).
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator


@contextmanager
def figure(path: Path, *, dpi: int = 120, **subplots: Any) -> Iterator[tuple[Any, Any]]:
    """`with figure(path, figsize=(8, 4.5)) as (fig, ax):` draws headless, then lays out,
    saves to `path` and closes the figure (also when drawing fails)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(**subplots)
    try:
        yield fig, axes
        fig.tight_layout()
        fig.savefig(path, dpi=dpi)
    finally:
        plt.close(fig)
