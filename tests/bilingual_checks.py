"""What makes a Chinese text a translation of its English twin: it reads as Chinese and it states
the same numbers. Shared by the YAML text tests and the tool output tests."""

from __future__ import annotations

import re

from csuite.knowledge.bilingual import cjk_share

# What Chinese business writing keeps in Latin letters: acronyms and mixed-case terms (NRR, ARR,
# S&M, RevOps, SaaS, CSMs) and proper names (Stripe, Salesforce, Kaplan–Meier): capitalised words.
_ACRONYM = re.compile(r"\b[A-Z][A-Za-z&]*")
# Not words at all: a template's {value} / {count:>2} / {share|num}, and code a founder types as
# is (file names, option names, identifiers such as new_customers_last_12_months).
_PLACEHOLDER = re.compile(r"\{\w+(?:[|:][^{}]*)?\}"                      # {value}, {count:>2}, {share|num}
                          r"|[A-Za-z0-9_./-]+\.(?:yaml|csv|json|md)\b"       # file names
                          r"|--[a-z-]+|\b[A-Za-z0-9.]+_[A-Za-z0-9_.]+\b")    # options, identifiers
_LETTER = re.compile(r"[A-Za-z\u3400-\u9fff]")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
MIN_CJK_SHARE = 0.6


def without_acronyms(text: str) -> str:
    """The words a translator translates: acronyms, names, placeholders and code set aside."""
    return _ACRONYM.sub(" ", _PLACEHOLDER.sub(" ", text))


def reads_as_chinese(zh: str, en: str = "") -> bool:
    """Chinese characters are at least 60% of the letters once acronyms are set aside. A text
    with nothing to translate (an acronym such as "CRO", a separator "; ") may have no Chinese
    only when its English has nothing to translate either."""
    if not _LETTER.search(without_acronyms(zh)):
        # Nothing to translate: the same letters as the English ("GRR" for "grr", "；" for "; ").
        return _latin(zh) == _latin(en)
    return cjk_share(without_acronyms(zh)) >= MIN_CJK_SHARE


def _latin(text: str) -> str:
    return re.sub(r"[^A-Za-z]", "", _PLACEHOLDER.sub(" ", text)).lower()


def numbers(text: str) -> set[str]:
    """Every number a text states, as written without thousands separators: '$1,500K' → '1500'."""
    out = set()
    for match in _NUMBER.finditer(text):
        value = match.group()
        value = value.replace(",", "") if re.fullmatch(r"\d{1,3}(?:,\d{3})+", value) else value
        out.add(value)
    return out
