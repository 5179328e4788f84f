"""Read a founder's question into an `Understood`: the stage's one entry point.

Pure: the same question, date, names and segments give the same result. Nothing is guessed:
a part the question does not state, or states ambiguously, is null or empty. The target is the
amount the question ties to a goal ("hit $2.4M", "a $1M target", "目标是300万美元"), never an
amount it says is already in hand ("we've booked $1.1M", "现在ARR是420万").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime
from functools import lru_cache

from csuite.errors import UsageError
from csuite.io.text import LazyPattern
from csuite.knowledge.bilingual import Lang, detect_language
from csuite.routing.text import alternation
from csuite.understand.classify import classify
from csuite.understand.lexicon import lexicon
from csuite.understand.models import Count, Understood
from csuite.understand.names import match_accounts, match_segments, without_accounts
from csuite.understand.periods import read_period
from csuite.understand.quantities import Quantities, Span, read_quantities

_CLAUSE_END = LazyPattern(r"[?!;。？！；\n]|\.(?!\d)")     # "4.2" is a number, not a full stop
_WINDOW_CHARS = 40        # how far before an amount a goal word may stand
_GROWTH_TO = LazyPattern(r"\b(?:grow|grows|growing|get|getting|go|going|scale|scaling|increase|take|taking|from)\b"
                         r"[^?!;。？！；]{0,40}\bto\s*$", re.IGNORECASE)


def prepare(question: str) -> str:
    """NFKC (full-width digits and signs to ASCII) with typographic quotes made plain."""
    text = unicodedata.normalize("NFKC", question)
    return text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')


@lru_cache(maxsize=1)
def _target_patterns() -> dict[str, re.Pattern[str]]:
    words = lexicon().target_words
    return {
        "before": re.compile(rf"(?<![A-Za-z])(?:{alternation(words.before.en)})(?![A-Za-z])|"
                             rf"{alternation(words.before.zh)}", re.IGNORECASE),
        "after": re.compile(rf"\s*(?:(?:new\s+)?(?:arr\s+|bookings\s+)?(?:{alternation(words.after.en)})"
                            rf"(?![A-Za-z])|(?:的)?[^,，。？?！!]{{0,8}}?(?:{alternation(words.after.zh)}))",
                            re.IGNORECASE),
        "done": re.compile(rf"(?<![A-Za-z])(?:{alternation(words.done.en)})(?![A-Za-z])|"
                           rf"{alternation(words.done.zh)}", re.IGNORECASE),
    }


def find_target(text: str, amounts: list[Span]) -> float | None:
    """The first amount the question names as a goal (see the module docstring)."""
    patterns = _target_patterns()
    previous_end = 0
    for amount in amounts:
        clause_start = max((m.end() for m in _CLAUSE_END.finditer(text, 0, amount.start)), default=0)
        window_start = max(previous_end, clause_start, amount.start - _WINDOW_CHARS)
        window = text[window_start:amount.start]
        after = text[amount.end:]
        previous_end = amount.end
        goal_before = [m for m in patterns["before"].finditer(window)]
        done_before = [m for m in patterns["done"].finditer(window)]
        # The later word decides: "we have $310K booked" and "完成了80万" (完成了 covers 完成) are in
        # hand; "booked $1.1M so far and the goal is $2.2M" names a goal.
        if done_before and (not goal_before or done_before[-1].end() >= goal_before[-1].end()):
            continue
        if goal_before or _GROWTH_TO.search(text, clause_start, amount.start) or patterns["after"].match(after):
            return amount.value
    return None


def _counts(quantities: Quantities) -> list[Count]:
    return [Count(value=c.value, of=c.noun) for c in quantities.counts]


def understand(question: str, *, as_of: date, names: Iterable[str] = (), segments: Iterable[str] = (),
               lang: Lang | None = None, fiscal_year_start_month: int = 1) -> Understood:
    """What `question` asks and the parameters it names.

    `as_of` places relative periods ("this quarter", "Q4"); `names` are account names from the
    context and the data files; `segments` the data's segment names; `lang` overrides the
    detected language; `fiscal_year_start_month` (1–12) sets the fiscal calendar."""
    if not 1 <= int(fiscal_year_start_month) <= 12:
        raise UsageError(f"fiscal year start month must be 1–12 (got {fiscal_year_start_month})")
    if isinstance(as_of, datetime):
        as_of = as_of.date()
    text = prepare(question if isinstance(question, str) else "")
    language: Lang = lang or detect_language(text)
    quantities = read_quantities(text)
    target = find_target(text, quantities.amounts)
    target = round(target, 2) if target is not None else None
    accounts = match_accounts(text, names)
    counts = _counts(quantities)
    # The decision is read from what is asked, not from the words of an account's name
    # ("Halcyon Health Partners" is no question about channel partners): the name reads "the account".
    asked = without_accounts(text, accounts, language)
    decision = classify(asked, count_nouns=tuple(c.of for c in counts), named_account=bool(accounts),
                        has_target=target is not None) if text.strip() else None
    return Understood(
        language=language,
        decision=decision,
        amounts=[round(a.value, 2) for a in quantities.amounts],
        percentages=[round(p.value, 6) for p in quantities.percentages],
        counts=counts,
        accounts=accounts,
        segments=match_segments(text, segments),
        period=read_period(text, as_of, fiscal_year_start_month),
        target=target,
    )
