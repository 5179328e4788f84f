"""Role knowledge: what the CRO and CCO advisors know, as data.

Each role's topics live in YAML beside its skill (`skills/<folder>/knowledge.yaml`) so that the
skill an agent reads, the router that picks the role and the offline engine that drafts answers
share one body of knowledge. This module only defines the schema and loads it; the content is
written and reviewed as YAML.

Prose is bilingual at the source: every human-readable text in the YAML is a `{en, zh}` pair
(`Bilingual`). The models are generic in their text type so one schema serves both forms:
`RoleKnowledge[Bilingual]` is the file as written (`load_bilingual_knowledge`), and
`RoleKnowledge[str]` is the same knowledge in one language (`load_knowledge(role, lang)`, English
by default), which is what the engine, the prompts and the router read.

Benchmark references are keys into `csuite/data/thresholds.yaml`: a bare key names an entry of
its `benchmarks` section (``magic_number``); a dotted key names any path from the top of the
file (``retention_by_stage.growth.grr``). `resolve_benchmark` turns either into its value, so a
topic never restates a number the YAML owns.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from csuite.errors import InputError
from csuite.fields import new_list
from csuite.knowledge.bilingual import Bilingual, Lang, in_language
from csuite.knowledge.sources import ROLE_FOLDERS, knowledge_path, read_knowledge_yaml
from csuite.knowledge.thresholds import load_thresholds
from csuite.roles import Role

# File kinds the runner detects by header (see issue 6, "Evidence and tools").
DataKind = Literal["pipeline", "snapshots", "cohorts", "customers", "book", "capacity", "metrics"]


# The type of every prose field: `Bilingual` in the file, `str` in one language's view.
Text = TypeVar("Text", str, Bilingual)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Keywords(_Strict):
    """Routing cues. English terms match by word prefix ("forecast" matches "forecasting");
    Chinese terms match as substrings."""

    en: list[str] = Field(min_length=1)
    zh: list[str] = Field(min_length=1)

    @field_validator("en", "zh")
    @classmethod
    def _clean(cls, values: list[str]) -> list[str]:
        cleaned = [v.strip() for v in values if v and v.strip()]
        if len(cleaned) != len(values):
            raise ValueError("keywords must be non-empty strings")
        return cleaned


class Examples(_Strict):
    """Realistic founder questions this topic answers; the router compares new questions to them."""

    en: list[str] = Field(min_length=1)
    zh: list[str] = Field(min_length=1)


class Action(_Strict, Generic[Text]):
    action: Text
    owner: Text
    deadline_days: int = Field(gt=0, le=365)


class Option(_Strict, Generic[Text]):
    option: Text
    tradeoff: Text


class Decision(_Strict, Generic[Text]):
    question: Text
    options: list[Option[Text]] = Field(min_length=2)
    recommendation: Text


class Topic(_Strict, Generic[Text]):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: Text
    keywords: Keywords
    examples: Examples
    tools: list[str] = Field(default_factory=new_list)       # names in csuite.tools.registry.TOOLS
    data_kinds: list[DataKind] = Field(default_factory=new_list)
    alerts: list[str] = Field(default_factory=new_list)      # alert ids in thresholds.yaml `alerts`
    why: Text
    diagnostic_questions: list[Text] = Field(min_length=3, max_length=6)
    benchmarks: list[str] = Field(default_factory=new_list)  # keys, see resolve_benchmark
    actions: list[Action[Text]] = Field(min_length=1)
    decision: Decision[Text]


class Consult(_Strict, Generic[Text]):
    """When this role should bring in the other one."""

    role: Role
    when: Text
    keywords: Keywords | None = None


class RoleKnowledge(_Strict, Generic[Text]):
    role: Role
    title: Text
    summary: Text
    persona: Text
    consults: list[Consult[Text]] = Field(default_factory=new_list)
    topics: list[Topic[Text]] = Field(min_length=1)

    def topic(self, topic_id: str) -> Topic[Text]:
        for item in self.topics:
            if item.id == topic_id:
                return item
        raise KeyError(f"{self.role} knowledge has no topic '{topic_id}'")

    @field_validator("topics")
    @classmethod
    def _unique_ids(cls, topics: list[Topic[Text]]) -> list[Topic[Text]]:
        seen: set[str] = set()
        for item in topics:
            if item.id in seen:
                raise ValueError(f"duplicate topic id '{item.id}'")
            seen.add(item.id)
        return topics


def _validated(model: type[RoleKnowledge[Any]], raw: Any, role: Role) -> Any:
    path = knowledge_path(role)
    try:
        knowledge = model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InputError(f"{where}: {first['msg']}", file=str(path)) from None
    if knowledge.role != role:
        raise InputError(f"role is {knowledge.role}, expected {role}", file=str(path))
    return knowledge


@lru_cache(maxsize=None)
def load_bilingual_knowledge(role: Role) -> RoleKnowledge[Bilingual]:
    """Parse and validate one role's knowledge.yaml as written: every text in English and
    Chinese, a missing translation a load error (cached: the file ships with the package)."""

    return _validated(RoleKnowledge[Bilingual], read_knowledge_yaml(role), role)


@lru_cache(maxsize=None)
def load_knowledge(role: Role, lang: Lang = "en") -> RoleKnowledge[str]:
    """One role's knowledge with every text in `lang` (English unless the answer's language is
    passed down); identifiers, keywords and numbers are the same in both. Read straight from the
    YAML's `{en, zh}` pairs (a text lacking either is still a load error: it is left a mapping,
    which no text field accepts), so answering never pays for the bilingual model."""

    return _validated(RoleKnowledge[str], in_language(read_knowledge_yaml(role), lang), role)


def all_knowledge(lang: Lang = "en") -> dict[str, RoleKnowledge[str]]:
    return {role: load_knowledge(role, lang) for role in ROLE_FOLDERS}  # type: ignore[arg-type]


def resolve_benchmark(key: str, lang: Lang = "en") -> Any:
    """The thresholds.yaml value a topic's benchmark key points at, any label in it in `lang`
    (e.g. a coverage model's name); KeyError if it is absent."""

    data = load_thresholds()
    benchmarks = data.get("benchmarks") or {}
    if "." not in key and key in benchmarks:
        return in_language(benchmarks[key], lang)
    node: Any = data
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(f"thresholds.yaml has no benchmark '{key}'")
        node = node[part]
    return in_language(node, lang)
