"""The decision catalogue: the decisions founders bring to each advisor, as data.

One YAML per role beside its skill (`skills/<folder>/decisions.yaml`), so the skill an agent
reads and the engine that answers share one list. An entry names the decision in one line, the
words and example questions that signal it (the parser classifies questions against them), how
much is at stake, the data and tools that settle it, the file a founder would export to settle
it, and the options of *this* decision with their trade-offs. `params` (tool → option → where
its value comes from) and `verdicts` (verdict key → sentence template) are filled by the
evidence and answer stages; they may be empty here.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from csuite.errors import InputError, validation_message
from csuite.knowledge.bilingual import Bilingual
from csuite.knowledge.models import load_knowledge
from csuite.knowledge.sources import ROLE_FOLDERS
from csuite.resources import PackYamlError, load_yaml, pack_path
from csuite.roles import Role

# The data kinds the runner detects by header, plus opportunity exports with lead source and
# stage history (the funnel analysis reads them).
Need = Literal["pipeline", "snapshots", "cohorts", "customers", "book", "capacity", "metrics", "opportunities"]
Stakes = Literal["high", "normal"]
ParamValue = str | int | float | bool

DECISIONS_FILE = "decisions.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _clean_terms(values: list[str]) -> list[str]:
    cleaned = [v.strip() for v in values if isinstance(v, str) and v.strip()]
    if len(cleaned) != len(values):
        raise ValueError("entries must be non-empty strings")
    if len({v.lower() for v in cleaned}) != len(cleaned):
        raise ValueError("entries must not repeat")
    return cleaned


class _Phrases(_Strict):
    """English and Chinese lists of non-empty, non-repeating strings."""

    en: list[str]
    zh: list[str]

    @field_validator("en", "zh")
    @classmethod
    def _clean(cls, values: list[str]) -> list[str]:
        return _clean_terms(values)


class Cues(_Phrases):
    """Words and phrases that signal the decision. English cues match word by word (a word of four
    letters or more also as a prefix: "discount" matches "discounting"); Chinese cues as substrings."""

    en: list[str] = Field(min_length=1)
    zh: list[str] = Field(min_length=1)


class DecisionExamples(_Phrases):
    """Founder questions that ask this decision, in their own words."""

    en: list[str] = Field(min_length=4)
    zh: list[str] = Field(min_length=3)


class DecisionOption(_Strict):
    option: Bilingual
    tradeoff: Bilingual


class DecisionEntry(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    role: Role
    title: Bilingual
    question: Bilingual                       # the decision, in one line
    cues: Cues
    examples: DecisionExamples
    stakes: Stakes                            # high: hiring, comp, pricing, killing a plan, market move, board numbers
    needs: list[Need] = Field(min_length=1)   # data kinds that settle it
    tools: list[str] = Field(min_length=1)    # tool names (csuite.tools.registry)
    topic: str                                # the role's playbook topic (knowledge.yaml) framing the answer
    settles: Bilingual                        # the file that settles it, in a founder's words
    options: list[DecisionOption] = Field(min_length=2, max_length=3)
    params: dict[str, dict[str, ParamValue]] = Field(default_factory=dict)   # tool → option → source
    verdicts: dict[str, Bilingual] = Field(default_factory=dict)             # verdict key → template

    @model_validator(mode="after")
    def _params_name_its_tools(self) -> "DecisionEntry":
        stray = sorted(set(self.params) - set(self.tools))
        if stray:
            raise ValueError(f"params name tools the decision does not run: {', '.join(stray)}")
        return self

    def example_questions(self) -> list[str]:
        return list(self.examples.en) + list(self.examples.zh)


class RoleDecisions(_Strict):
    """One role's decisions.yaml."""

    role: Role
    decisions: list[DecisionEntry] = Field(min_length=1)


class Catalogue(_Strict):
    """Every decision of both roles, CRO first, in file order."""

    decisions: tuple[DecisionEntry, ...]

    @property
    def ids(self) -> list[str]:
        return [d.id for d in self.decisions]

    def get(self, decision_id: str) -> DecisionEntry:
        for entry in self.decisions:
            if entry.id == decision_id:
                return entry
        raise KeyError(f"the decision catalogue has no decision '{decision_id}'")

    def for_role(self, role: Role) -> list[DecisionEntry]:
        return [d for d in self.decisions if d.role == role]


def decisions_path(role: str) -> Path:
    if role not in ROLE_FOLDERS:
        raise InputError(f"unknown role '{role}' (expected one of: {', '.join(ROLE_FOLDERS)})")
    return pack_path("skills", ROLE_FOLDERS[role], DECISIONS_FILE)


def _read(role: str) -> RoleDecisions:
    path = decisions_path(role)
    try:
        raw: Any = load_yaml(path)
    except FileNotFoundError:
        raise InputError("decision catalogue not found", file=str(path)) from None
    except PackYamlError as exc:
        raise InputError(f"invalid YAML: {exc}", file=str(path)) from None
    try:
        parsed = RoleDecisions.model_validate(raw)
    except ValidationError as exc:
        raise InputError(validation_message(exc, flags=False), file=str(path)) from None
    if parsed.role != role:
        raise InputError(f"role is '{parsed.role}', expected '{role}'", file=str(path))
    for entry in parsed.decisions:
        if entry.role != role:
            raise InputError(f"decision '{entry.id}' has role '{entry.role}', expected '{role}'", file=str(path))
    return parsed


@lru_cache(maxsize=1)
def load_catalogue() -> Catalogue:
    """Both roles' decisions, validated once per process. Ids are unique across roles."""
    decisions: list[DecisionEntry] = []
    seen: dict[str, str] = {}
    for role in ROLE_FOLDERS:
        for entry in _read(role).decisions:
            if entry.id in seen:
                raise InputError(f"decision id '{entry.id}' is also used by the {seen[entry.id]} catalogue",
                                 file=str(decisions_path(role)))
            seen[entry.id] = role
            if entry.topic not in {t.id for t in load_knowledge(entry.role).topics}:
                raise InputError(f"decision '{entry.id}': topic '{entry.topic}' is not one of the "
                                 f"{entry.role.upper()} topics in knowledge.yaml", file=str(decisions_path(role)))
            decisions.append(entry)
    return Catalogue(decisions=tuple(decisions))
