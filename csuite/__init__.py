"""csuite-advisors: CRO and CCO advisors whose numbers come from code.

    from csuite import Advisor
    advisor = Advisor(context="company-context.md")
    answer = advisor.ask("Will we make Q4?", data=["pipeline.csv"])

The public API is re-exported here lazily so `import csuite` (and `csuite --help`) stays fast.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

__all__ = ["Advisor", "Answer", "__version__"]

_LAZY = {"Advisor": ("csuite.runner", "Advisor"), "Answer": ("csuite.answer", "Answer")}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attribute = _LAZY[name]
        return getattr(importlib.import_module(module), attribute)
    raise AttributeError(f"module 'csuite' has no attribute '{name}'")
