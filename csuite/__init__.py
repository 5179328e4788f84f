"""csuite-advisors: CRO and CCO advisors whose numbers come from code.

The public API is re-exported here lazily so `import csuite` (and `csuite --help`) stays fast.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
