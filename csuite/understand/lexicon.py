"""The words the question parser knows (csuite/data/understanding.yaml), validated once. The
readers turn them into regular expressions with csuite.routing.text.alternation (longest first;
English phrases tolerate spaces or hyphens, Chinese terms match as written)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from csuite.roles import Role
from csuite.errors import InputError, validation_message
from csuite.fields import new_list
from csuite.knowledge.bilingual import Bilingual
from csuite.resources import data_path, load_data_yaml

LEXICON_FILE = "understanding.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Words(_Strict):
    en: list[str] = Field(default_factory=new_list)
    zh: list[str] = Field(default_factory=new_list)


class ClassifierWeights(_Strict):
    cue: float = Field(gt=0)
    phrase_step: float = Field(ge=0)
    zh_char_step: float = Field(ge=0)
    cue_cap: float = Field(gt=0)
    example: float = Field(ge=0)
    example_top: int = Field(ge=1)
    example_floor: float = Field(ge=0, lt=1)
    signal: float = Field(ge=0)
    purpose_scale: float = Field(ge=0, le=1)
    min_score: float = Field(ge=0)
    min_score_without_cue: float = Field(ge=0)


class Signals(_Strict):
    counts: dict[str, str] = Field(default_factory=dict)   # count noun → decision id
    account: str | None = None
    target: str | None = None


class OtherCurrencies(_Strict):
    prefix: list[str]
    suffix: Words


class MonthsM(_Strict):
    before: list[str]
    after: list[str]


class TargetWords(_Strict):
    before: Words
    after: Words
    done: Words


class SegmentWords(_Strict):
    keys: list[str] = Field(min_length=1)
    data_only: bool = False        # a tier name that is also a common word: only when the data has it
    en: list[str] = Field(default_factory=new_list)
    zh: list[str] = Field(default_factory=new_list)


class LexiconFile(_Strict):
    version: int
    classifier: ClassifierWeights
    signals: Signals
    count_nouns: dict[str, Words]
    count_noun_blockers: dict[str, list[str]]   # Chinese noun → what may not follow it
    count_modifiers: Words
    not_money_after: Words
    money_after: Words
    other_currencies: OtherCurrencies
    months_m: MonthsM
    target_words: TargetWords
    segments: dict[str, SegmentWords]       # canonical segment name → its words
    segment_excluded: Words
    legal_suffixes: Words
    account_placeholder: Bilingual          # what routing reads in place of an account's name
    functions: dict[Role, Words]            # role → words naming its function (sales, customer success)


@lru_cache(maxsize=1)
def lexicon() -> LexiconFile:
    try:
        return LexiconFile.model_validate(load_data_yaml(LEXICON_FILE))
    except ValidationError as exc:
        raise InputError(validation_message(exc, flags=False), file=str(data_path(LEXICON_FILE))) from None


def word_set(words: list[str]) -> frozenset[str]:
    return frozenset(w.lower() for w in words)
