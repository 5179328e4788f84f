"""Numbers in prose: find them, read them the way a founder means them, and match them to evidence.

Grounding needs to see that "$4.2M", "4.2m", "4,200,000" and "420万" are one number, that "83%"
is the evidence value 0.83, and that "$4.2M" is a fair rounding of 4,234,000 but "$4.5M" is not.
A written number matches a value when the value rounds to it at the precision it was written with.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Literal

from csuite.io.text import LazyPattern
from csuite.io.values import MULTIPLIERS
from csuite.resources import load_data_yaml

# What a number measures; `format_value` writes each one its own way.
Unit = Literal["usd", "fraction", "ratio", "months", "days", "count", "date", "text"]

# Scale words and letters as founders and models write them ("$2.4M", "2.4 million", "120万").
_SCALES = {k.lower(): v for k, v in MULTIPLIERS.items() if k}

# Compiled on first use: a tool run that only formats numbers never reads text for them.
_NUMBER = LazyPattern(
    r"(?P<sign>[-−])?(?P<currency>\$|USD\s?|US\$|€|£|¥)?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:\s?(?P<scale>thousand|million|billion|mm|mn|bn|[kKmMbB]|万|亿)(?![A-Za-z]))?"
    r"(?P<suffix>\s?%|\s?[x×](?![A-Za-z])|\s?(?:months?|mos?|个月|days?|天)(?![A-Za-z]))?"
)
_ISO_DATE = LazyPattern(r"\b\d{4}-\d{2}(?:-\d{2})?\b")
_PERIOD = LazyPattern(r"\b(?:\d{4}-)?Q[1-4]\b|\bQ[1-4]\s?\d{4}\b|\bFY\d{2,4}\b", re.I)
_STRUCTURAL_BEFORE = LazyPattern(r"(?:top[\s-]?|tier\s?|#|step\s?|phase\s?|stage\s?|round\s?)$", re.I)


@dataclass(frozen=True)
class Mention:
    """A number as written: its text, the value a reader takes from it, and its rounding slack."""

    text: str
    value: float
    tolerance: float
    kind: str  # money | percent | ratio | months | days | plain

    def candidates(self) -> list[tuple[float, float]]:
        """(value, tolerance) readings to compare with evidence: 83% is 0.83 (and 83)."""
        if self.kind == "percent":
            return [(self.value / 100, self.tolerance / 100), (self.value, self.tolerance)]
        if self.kind == "plain" and self.value <= 3:
            # a bare 0.96 may be a fraction written as such, or 96% elsewhere
            return [(self.value, self.tolerance), (self.value * 100, self.tolerance * 100)]
        return [(self.value, self.tolerance)]


def _decimals(num: str) -> int:
    return len(num.split(".", 1)[1]) if "." in num else 0


def _is_structural(text: str, start: int, end: int, value: float, has_unit: bool) -> bool:
    """Years, dates, period labels and list markers are not claims to ground."""
    if has_unit:
        return False
    before = text[max(0, start - 8):start]
    if _STRUCTURAL_BEFORE.search(before):
        return True
    if value.is_integer() and 1990 <= value <= 2100:
        return True
    after = text[end:end + 1]
    return after in {".", ")"} and start > 0 and text[start - 1] in "\n(" and value < 20


def find_mentions(text: str) -> list[Mention]:
    """Every claim-bearing number in `text`, skipping dates, years, quarters and list markers."""
    masked = _ISO_DATE.sub(lambda m: " " * len(m.group(0)), text)
    masked = _PERIOD.sub(lambda m: " " * len(m.group(0)), masked)
    mentions: list[Mention] = []
    for match in _NUMBER.finditer(masked):
        start, end = match.span()
        if start > 0 and (masked[start - 1].isalnum() or masked[start - 1] == "_"):
            continue  # part of an identifier such as ctx.nrr2 or a word
        if end < len(masked) and masked[end].isascii() and (masked[end].isalnum() or masked[end] == "_"):
            continue  # the head of an identifier such as a CRM record id (0065g00001Fn0212)
        num = match.group("num")
        value = float(num.replace(",", "")) * (-1 if match.group("sign") else 1)
        scale_key = (match.group("scale") or "").lower() if match.group("scale") not in ("万", "亿") \
            else match.group("scale")
        scale = _SCALES.get(scale_key, 1.0)
        suffix = (match.group("suffix") or "").strip().lower()
        currency = bool(match.group("currency"))
        if suffix == "%":
            kind = "percent"
        elif suffix in {"x", "×"}:
            kind = "ratio"
        elif suffix.startswith(("month", "mo", "个月")):
            kind = "months"
        elif suffix.startswith(("day", "天")):
            kind = "days"
        elif currency or scale != 1.0:
            kind = "money"
        else:
            kind = "plain"
        if _is_structural(masked, start, end, value, kind != "plain"):
            continue
        unit = 10.0 ** -_decimals(num) * scale
        mentions.append(Mention(text=match.group(0).strip(), value=value * scale,
                                tolerance=unit / 2 + 1e-9 * max(1.0, abs(value * scale)), kind=kind))
    return mentions


def numeric_values(value: object) -> list[float]:
    """The numbers an evidence value offers for matching (a series offers each point)."""
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, (int, float)):
        return [float(value)]
    if isinstance(value, (list, tuple)):
        return [float(v) for v in value if isinstance(v, (int, float)) and not isinstance(v, bool)]
    return []


def matches(mention: Mention, values: Iterable[float]) -> bool:
    pool = list(values)
    for candidate, tolerance in mention.candidates():
        for value in pool:
            if abs(value - candidate) <= tolerance:
                return True
            # writers round percentages of fractions: 0.8333 → "83%" is covered by the tolerance;
            # and money rounded to a scale: 4,234,000 → "$4.2M" is covered the same way.
    return False


def format_money(value: float) -> str:
    """Money the way a founder reads it: $4.2M, $4.23M, $600K, $5,000."""
    sign = "-" if value < 0 else ""
    value = abs(value)
    if round(value, -4) >= 1e6:  # 999,999 reads as $1M, not $1,000K
        millions = round(value / 1e6, 2)
        text = f"{millions:,.2f}".rstrip("0").rstrip(".")
        if "." not in text:
            text = f"{millions:,.0f}"
        return f"{sign}${text}M"
    if value >= 1e4:
        return f"{sign}${value / 1e3:,.0f}K"
    return f"{sign}${value:,.0f}"


def usd(value: float | None) -> str:
    """Exact dollars for tables and tool reports: $1,234,567 and -$1,200 (n/a when missing)."""
    if value is None:
        return "n/a"
    dollars = round(value)  # -0.3 is "$0", never "-$0"
    return f"-${-dollars:,}" if dollars < 0 else f"${dollars:,}"


_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CNY": "¥", "¥": "¥", "INR": "₹"}


def currency_formatter(currency: str | None):
    """`usd` for another currency: exact amounts with its symbol (€84,500) or code (84,500 CHF).
    Tool reports use it so a euro file is never printed in dollars."""
    code = (currency or "USD").upper() if currency != "¥" else "¥"
    if code == "USD":
        return usd
    symbol = _SYMBOLS.get(code)

    def money(value: float | None) -> str:
        if value is None:
            return "n/a"
        amount = round(value)
        sign = "-" if amount < 0 else ""
        return f"{sign}{symbol}{abs(amount):,}" if symbol else f"{sign}{abs(amount):,} {code}"

    return money


def pct(value: float | None, digits: int = 1) -> str:
    """A fraction as a percentage with fixed digits: 0.962 → 96.2% (n/a when missing)."""
    return "n/a" if value is None else f"{value * 100:.{digits}f}%"


def format_percent(value: float) -> str:
    text = f"{value * 100:.1f}".rstrip("0").rstrip(".")
    return f"{text}%"


@lru_cache(maxsize=1)
def _unit_words() -> dict[str, dict[str, str]]:
    return load_data_yaml("thresholds.yaml")["unit_words"]


def unit_word(unit: str, lang: str = "en", *, one: bool = False) -> str:
    """The word written after a number of `unit` ("months", "个月"); thresholds.yaml `unit_words`."""
    words = _unit_words()[unit.removesuffix("s") if one else unit]
    return words["zh" if lang == "zh" else "en"]


def format_value(value: object, unit: str, lang: str = "en") -> str:
    """A value the way a founder reads it, in the answer's language: only the unit word of a
    duration changes with it (21 months, 21 个月); money, rates and ratios read the same in both."""
    if isinstance(value, list):
        return " → ".join(format_value(v, unit, lang) for v in value)
    if value is None:
        return "n/a"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if unit == "usd":
            return format_money(float(value))
        if unit == "fraction":
            return format_percent(float(value))
        if unit == "ratio":
            return f"{value:.2f}".rstrip("0").rstrip(".") + "x"
        if unit in ("months", "days"):
            number = f"{value:.1f}".rstrip("0").rstrip(".") if unit == "months" else f"{value:g}"
            return f"{number} {unit_word(unit, lang, one=float(value) == 1)}"
        if unit == "count":
            return f"{value:,.0f}"
        return f"{value:,.4g}"
    return str(value)
