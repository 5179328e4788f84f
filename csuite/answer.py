"""The models every pipeline stage passes along: evidence, findings, the answer and its reports.

A backend (offline or Claude) fills in a draft `Answer`; only `verify` sets the final tags and
confidence, so a draft's own claims about itself are never trusted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from csuite.fields import new_list
from csuite.io.numbers import Unit, format_value
from csuite.knowledge.bilingual import Lang
from csuite.roles import Role

Tag = Literal["verified", "medium", "assumed"]
# inference: computed from founder data with a stated rule of thumb or approximation (🟡 at best)
EvidenceKind = Literal["founder_data", "inference", "benchmark", "framework", "assumption"]

TAG_EMOJI: dict[str, str] = {"verified": "🟢", "medium": "🟡", "assumed": "🔴"}


class Evidence(BaseModel):
    """One fact an answer may cite. Numbers come from code; `source` says which code and file."""

    id: str = Field(description="stable id cited by findings, e.g. ctx.nrr or revenue_forecast_model.p50")
    label: str = Field(description="what the number is, in words")
    value: float | int | str | list[float] | None = None
    unit: Unit = "text"
    source: str = Field(description="context field, tool + field and file, or benchmark key")
    kind: EvidenceKind

    # The language `display()` writes a duration's unit in when it is not told (see `shown_in`).
    _shown_in: Lang = PrivateAttr(default="en")

    def display(self, lang: Lang | None = None) -> str:
        """The value as a founder reads it: $2.4M, 96%, 1.6x, 21 months (21 个月 in Chinese)."""
        return format_value(self.value, self.unit, lang or self._shown_in)

    def shown_in(self, lang: Lang) -> Evidence:
        """This evidence displaying its value in `lang` by default, for a sentence writer that
        calls `display()` without a language; the data (and its JSON) are unchanged."""
        copy = self.model_copy()
        copy._shown_in = lang
        return copy



def shown_in(pool: Mapping[str, Evidence], lang: Lang) -> dict[str, Evidence]:
    """An evidence pool whose values display in `lang` (the same evidence, the same JSON)."""
    return dict(pool) if lang == "en" else {key: item.shown_in(lang) for key, item in pool.items()}

class Finding(BaseModel):
    text: str = Field(description="the finding, with its numbers")
    so_what: str = Field(default="", description="the consequence for the founder")
    sources: list[str] = Field(default_factory=new_list, description="ids of the evidence this rests on")
    tag: Tag = "assumed"
    assumption: str | None = Field(default=None, description="the stated assumption when nothing backs it")
    topic: str | None = None
    names: list[str] = Field(default_factory=new_list,
                             description="names from the founder's data quoted as written: not claims to check")


class Action(BaseModel):
    id: str = Field(default="", description="stable id the founder can pass to `csuite decide`")
    action: str
    owner: str
    deadline: str = Field(description="ISO date")


class DecisionOption(BaseModel):
    option: str
    tradeoff: str


class Decision(BaseModel):
    question: str
    options: list[DecisionOption] = Field(default_factory=new_list)
    recommendation: str = ""


class AlertNote(BaseModel):
    id: str
    role: Role
    severity: str
    message: str
    why: str
    action: str
    label: str = Field(default="", description="the alert's human name, in the answer's language")


class CriticReview(BaseModel):
    stakes: list[str] = Field(default_factory=new_list, description="why this answer counts as high stakes")
    weakest_point: str
    quote: str = Field(default="", description="the draft text the weakest point is about")
    missing_perspective: str
    cost_if_wrong: str
    verdict: Literal["proceed", "address", "rethink"]
    revised: bool = False
    backend: str = "offline"


class Downgrade(BaseModel):
    finding: int
    claimed: Tag
    tag: Tag
    reason: str


class Verification(BaseModel):
    """What self-verify checked and what it changed; part of every JSON answer."""

    passed: bool = True
    grounded_numbers: int = 0
    ungrounded: list[str] = Field(default_factory=new_list)
    downgrades: list[Downgrade] = Field(default_factory=new_list)
    contradictions: list[str] = Field(default_factory=new_list)
    so_what_missing: list[int] = Field(default_factory=new_list)
    format_issues: list[str] = Field(default_factory=new_list)
    suppressed: list[str] = Field(default_factory=new_list, description="recommendations the founder rejected")
    removed: list[str] = Field(default_factory=new_list, description="sentences taken out: a number no evidence holds")
    verdict_issues: list[str] = Field(default_factory=new_list, description="verdict figures the bottom line left out")
    assumed_share: float = 0.0
    revisions: int = 0

    def failures(self) -> list[str]:
        """Exact, fixable failures, as a revision request lists them."""
        out = [f"ungrounded number: {u}" for u in self.ungrounded]
        out += [f"finding {d.finding + 1} claimed {d.claimed} but is {d.tag}: {d.reason}" for d in self.downgrades]
        out += [f"contradiction: {c}" for c in self.contradictions]
        out += [f"finding {i + 1} states no consequence (so what?)" for i in self.so_what_missing]
        out += [f"format: {f}" for f in self.format_issues]
        out += [f"verdict: {v}" for v in self.verdict_issues]
        return out


class RoleView(BaseModel):
    """One role's independent answer inside a two-role synthesis."""

    role: Role
    bottom_line: str
    findings: list[Finding] = Field(default_factory=new_list)
    peer_review: list[str] = Field(default_factory=new_list, description="the other role's checks of these claims")


class Synthesis(BaseModel):
    views: list[RoleView] = Field(default_factory=new_list)
    agreement: list[str] = Field(default_factory=new_list)
    disagreement: list[str] = Field(default_factory=new_list)


class Usage(BaseModel):
    calls: list[dict[str, Any]] = Field(default_factory=new_list)
    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0


class Count(BaseModel):
    """A whole number and the thing it counts: "hire 4 AEs" is {value: 4, of: "AE"}.

    `of` is a normalised noun: AE, SDR, CSM, SE, AM, rep, manager, leader, person, customer,
    account, deal, lead, entity, seat, user, day, week, month, quarter, year."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: int = Field(ge=0)
    of: str = Field(min_length=1)


class Understood(BaseModel):
    """The founder's question, read: what it asks (`decision`, a catalogue id) and the parameters
    it names. Lists keep the order the question states them ("NRR 96% → 110%" is [0.96, 1.1]).
    Shown in `csuite ask --format json`, so an agent (and a test) sees the answer was about this ask."""

    model_config = ConfigDict(extra="forbid")

    language: Lang = "en"
    decision: str | None = None
    amounts: list[float] = Field(default_factory=new_list)       # dollars
    percentages: list[float] = Field(default_factory=new_list)   # fractions: 96% → 0.96
    counts: list[Count] = Field(default_factory=new_list)
    accounts: list[str] = Field(default_factory=new_list)        # names as the data spells them
    segments: list[str] = Field(default_factory=new_list)        # segment names as the data spells them
    period: str | None = None                                # "YYYY-Qn"
    target: float | None = None                              # the amount named as the goal, dollars

    def count_of(self, noun: str) -> int | None:
        """The first count of `noun` ("AE", "CSM"), or None when the question names none."""
        for count in self.counts:
            if count.of == noun:
                return count.value
        return None


class Answer(BaseModel):
    question: str
    language: Lang = "en"
    understood: Understood | None = None
    decision_id: str | None = Field(default=None, description="the catalogue decision this answer settles")
    verdict: str | None = Field(default=None, description="the verdict key the bottom line states")
    role: Role | None
    consulted: list[Role] = Field(default_factory=new_list)
    in_scope: bool = True
    referral: str | None = None
    bottom_line: str
    bottom_line_sources: list[str] = Field(default_factory=new_list, description="evidence ids of the bottom line's figures")
    confidence: Literal["high", "medium", "low"] = "medium"
    findings: list[Finding] = Field(default_factory=new_list)
    why: list[str] = Field(default_factory=new_list)
    actions: list[Action] = Field(default_factory=new_list)
    risks: list[str] = Field(default_factory=new_list)
    decision: Decision | None = None
    questions: list[str] = Field(default_factory=new_list, description="what the advisor still needs to know")
    alerts: list[AlertNote] = Field(default_factory=new_list)
    more_alerts: list[str] = Field(default_factory=new_list, description="labels of open alerts that do not bear "
                                                                      "on the question: one line in the answer")
    evidence: list[Evidence] = Field(default_factory=new_list)
    critic: CriticReview | None = None
    synthesis: Synthesis | None = None
    verification: Verification = Field(default_factory=Verification)
    notes: list[str] = Field(default_factory=new_list, description="context, fallback and protocol notes")
    tools_run: list[str] = Field(default_factory=new_list)
    topics: list[str] = Field(default_factory=new_list)
    backend: str = "offline"
    usage: Usage | None = None
    names: list[str] = Field(default_factory=new_list,
                             description="names from the founder's data the answer quotes (deals, accounts)")
