"""The phrasebook: every sentence the offline engine and the renderer write, in English and
Chinese side by side (`csuite/data/phrases.yaml`).

A phrase carries no number of its own: `{placeholders}` are filled by code with evidence values
or with names from the founder's data, so every figure in a sentence traces to evidence and the
same answer in either language carries the same numbers.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from csuite.errors import InputError
from csuite.knowledge.bilingual import Bilingual, Lang
from csuite.resources import load_data_yaml

PHRASES_FILE = "phrases.yaml"


def _flatten(node: Any, prefix: str, out: dict[str, Bilingual]) -> None:
    if isinstance(node, dict) and set(node) == {"en", "zh"}:
        out[prefix] = Bilingual(en=str(node["en"]), zh=str(node["zh"]))
        return
    if not isinstance(node, dict):
        raise InputError(f"phrase '{prefix}' must be a mapping with en and zh texts", file=PHRASES_FILE)
    for key, sub in node.items():
        _flatten(sub, f"{prefix}.{key}" if prefix else str(key), out)


@lru_cache(maxsize=1)
def phrasebook() -> dict[str, Bilingual]:
    """Every phrase by its dotted key, e.g. `verdicts.hit_the_number.unlikely`."""
    out: dict[str, Bilingual] = {}
    _flatten(load_data_yaml(PHRASES_FILE), "", out)
    return out


def has_phrase(key: str) -> bool:
    return key in phrasebook()


def phrase(key: str, lang: Lang) -> str:
    """The text of one phrase; a missing key is a bug in the pack, not founder input."""
    try:
        return phrasebook()[key].get(lang)
    except KeyError:
        raise KeyError(f"no phrase '{key}' in csuite/data/{PHRASES_FILE}") from None
