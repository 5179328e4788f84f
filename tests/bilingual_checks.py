"""What makes a Chinese text a translation of its English twin: it reads as Chinese and it states
the same numbers. Shared by the YAML text tests and the tool output tests."""

from __future__ import annotations

import re

from csuite.knowledge.bilingual import cjk_share

# Acronyms and mixed-case product terms founders keep in Latin letters inside Chinese
# (NRR, ARR, CSM, S&M, RevOps, SaaS, CSMs): two or more capitals in one word.
_ACRONYM = re.compile(r"[A-Za-z&]*[A-Z][A-Za-z&]*[A-Z][A-Za-z&]*")
_PLACEHOLDER = re.compile(r"\{\w+\}")          # a template's {value}: filled in, not translated
_LETTER = re.compile(r"[A-Za-z\u3400-\u9fff]")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
MIN_CJK_SHARE = 0.6


def without_acronyms(text: str) -> str:
    """The words a translator translates: acronyms and template placeholders set aside."""
    return _ACRONYM.sub(" ", _PLACEHOLDER.sub(" ", text))


def reads_as_chinese(zh: str, en: str = "") -> bool:
    """Chinese characters are at least 60% of the letters once acronyms are set aside. A text
    with nothing to translate (an acronym such as "CRO", a separator "; ") may have no Chinese
    only when its English has nothing to translate either."""
    if not _LETTER.search(without_acronyms(zh)):
        return not _LETTER.search(without_acronyms(en))
    return cjk_share(without_acronyms(zh)) >= MIN_CJK_SHARE


def numbers(text: str) -> set[str]:
    """Every number a text states, as written without thousands separators: '$1,500K' → '1500'."""
    out = set()
    for match in _NUMBER.finditer(text):
        value = match.group()
        value = value.replace(",", "") if re.fullmatch(r"\d{1,3}(?:,\d{3})+", value) else value
        out.add(value)
    return out
