"""Keyword matching for founders' free text (churn reasons, missed outcomes), one way everywhere.

A data YAML lists keywords per category; "onboard*" means any word starting with "onboard", a
plain keyword must match whole words, and a phrase matches its words with any spacing or
punctuation between them. The text is normalised the same way first, so "Price-increase!" and
"price increase" are one phrase.
"""

from __future__ import annotations

import re
from typing import Iterable


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
