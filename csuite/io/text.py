"""Keyword matching for founders' free text (churn reasons, missed outcomes), one way everywhere.

A data YAML lists keywords per category; "onboard*" means any word starting with "onboard", a
plain keyword must match whole words, and a phrase matches its words with any spacing or
punctuation between them. The text is normalised the same way first, so "Price-increase!" and
"price increase" are one phrase.

`LazyPattern` is a module-level regex compiled on first use, for patterns most runs never reach.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any, Iterable


class LazyPattern:
    """A regex written where it is used and compiled the first time it is used: start-up does
    not pay for compiling patterns a run never reaches (an offline `csuite ask` imports many).
    Read it like the compiled pattern: `.match`, `.search`, `.sub`, `.pattern`, ... ."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self._source = (pattern, flags)

    @cached_property
    def compiled(self) -> re.Pattern[str]:
        return re.compile(*self._source)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name == "_source":  # copy/pickle probes: not the pattern's
            raise AttributeError(name)
        value = getattr(self.compiled, name)
        setattr(self, name, value)  # later reads find it on the instance and skip this hook
        return value

    def __reduce__(self) -> tuple[type[LazyPattern], tuple[str, int]]:  # copy and pickle: the source only
        return LazyPattern, self._source

    def __repr__(self) -> str:
        return f"LazyPattern({self._source[0]!r})"


# Chinese characters: CJK Extension A, the Unified Ideographs and the Compatibility Ideographs.
# One pattern for the pack (the router, the renderer, the language detector and the context
# reader): each compile of a class this size costs about 2 ms. The blocks are also compared
# character by character where compiling any class would cost more than the check.
CJK_BLOCKS = (("\u3400", "\u4dbf"), ("\u4e00", "\u9fff"), ("\uf900", "\ufaff"))
CJK_RUN = LazyPattern("[" + "".join(f"{low}-{high}" for low, high in CJK_BLOCKS) + "]+")


def cjk_count(text: str) -> int:
    """How many Chinese characters `text` holds, counted from `CJK_RUN`'s runs."""
    return sum(len(run) for run in CJK_RUN.findall(text))


def normalise_words(text: object) -> str:
    """Lower case, punctuation and underscores to single spaces: 'Time-to_Value!' → 'time to value'."""
    return " ".join(re.sub(r"[\W_]+", " ", str(text).lower()).split())


def keyword_pattern(keywords: Iterable[object]) -> re.Pattern[str]:
    """One regex matching any keyword in text passed through `normalise_words` first.

    A trailing '*' makes the last word a prefix ('renewal*' matches 'renewals'); otherwise every
    word must match whole. An empty list (or only blank keywords) matches nothing, never everything.
    """
    parts = []
    for kw in keywords:
        raw = str(kw).strip()
        star = raw.endswith("*")
        words = normalise_words(raw.rstrip("*")).split()
        if not words:
            continue
        parts.append(r"\b" + r"\s+".join(re.escape(w) for w in words) + (r"\w*" if star else r"\b"))
    return re.compile("|".join(parts) if parts else r"(?!)")
