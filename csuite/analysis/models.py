"""What the analysis stage hands to drafting: the verdict on the founder's decision and the
figures it rests on, all as evidence ids, so either backend writes from the same numbers and
verification can hold the bottom line to them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable

from pydantic import BaseModel, Field

from csuite.answer import Evidence, Understood
from csuite.context.alerts import Alert
from csuite.context.parse import CompanyContext
from csuite.evidence.accounts import AccountFacts
from csuite.evidence.collect import ToolRun
from csuite.fields import new_list
from csuite.knowledge.bilingual import Lang


class Listed(BaseModel):
    """One named item a sentence lists with its figure: a deal and its amount."""

    name: str
    figure: str = Field(description="evidence id of the item's figure")
    note: str | None = Field(default=None, description="phrase key of a risk signal shown beside it")


class Point(BaseModel):
    """One sentence the answer should make, as a phrase key and what fills it."""

    phrase: str = Field(description="key in csuite/data/phrases.yaml")
    figures: dict[str, str] = Field(default_factory=dict, description="placeholder → evidence id")
    names: dict[str, str] = Field(default_factory=dict, description="placeholder → a name from the data")
    lists: dict[str, list[Listed]] = Field(default_factory=dict)
    against: bool = Field(default=False, description="contrary evidence: argues against the obvious move")


class Brief(BaseModel):
    """The verdict on one decision, computed by code before anyone drafts a word."""

    decision: str
    verdict: str = Field(description="verdict key; the bottom line phrase is verdicts.<decision>.<verdict>")
    headline: Point
    recommendation: Point
    option: int | None = Field(default=None, description="index of the catalogue option recommended")
    points: list[Point] = Field(default_factory=new_list, description="findings that carry the verdict, in order")
    derived: list[Evidence] = Field(default_factory=new_list, description="numbers computed here from evidence")
    must_state: list[str] = Field(default_factory=new_list,
                                  description="evidence ids whose numbers the bottom line must state")
    missing: list[str] = Field(default_factory=new_list, description="data kinds that would settle it")
    high_stakes: bool = False


@dataclass
class Situation:
    """Everything the analysis of one decision may read. Built by the runner."""

    question: str
    understood: Understood
    entry: Any                      # the catalogue entry of the decision (csuite.understand.catalogue)
    role: str
    ctx: CompanyContext
    alerts: list[Alert]
    runs: list[ToolRun]
    pool: dict[str, Evidence]
    as_of: date
    lang: Lang = "en"
    files: list[str] = field(default_factory=list)
    accounts: dict[str, AccountFacts] = field(default_factory=dict)   # rows of each account the question names

    def run(self, tool: str) -> ToolRun | None:
        return next((r for r in self.runs if r.tool == tool), None)

    def has(self, evidence_id: str) -> bool:
        item = self.pool.get(evidence_id)
        return item is not None and item.value is not None

    def value(self, evidence_id: str) -> Any:
        item = self.pool.get(evidence_id)
        return None if item is None else item.value


@dataclass(frozen=True)
class DecisionAnalysis:
    """How one catalogue decision is analysed: which tool options the question sets (before the
    tools run) and the brief (after)."""

    decision: str
    brief: "Callable[[Situation], Brief]"
    options: "Callable[[Understood, CompanyContext, date], dict[str, dict[str, Any]]] | None" = None
