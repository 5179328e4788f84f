"""Which functions a question names ("sales", "customer success", 销售, 客户成功): the runner
consults the other advisor on a decision only when the question brings that function in, so
the advisors who answer never depend on the language the question was asked in."""

from __future__ import annotations

import re
from functools import lru_cache

from csuite.roles import Role
from csuite.routing.text import alternation
from csuite.understand.lexicon import lexicon


@lru_cache(maxsize=1)
def _function_patterns() -> tuple[tuple[Role, re.Pattern[str]], ...]:
    out = []
    for role, words in lexicon().functions.items():
        parts = [f"(?:{alternation(words.zh)})"] if words.zh else []
        if words.en:
            parts.insert(0, rf"(?<![A-Za-z])(?:{alternation(words.en)})(?![A-Za-z])")
        out.append((role, re.compile("|".join(parts), re.IGNORECASE)))
    return tuple(out)


def functions_named(text: str) -> list[Role]:
    """The roles whose function the question names, in the order it first names them."""
    first = {role: match.start() for role, pattern in _function_patterns() if (match := pattern.search(text))}
    return sorted(first, key=first.__getitem__)
