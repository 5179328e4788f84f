"""What a backend receives to draft one role's answer: everything already computed by code —
the question as understood, the decision's brief (verdict and the figures it rests on), the
context, alerts, tool runs and the evidence pool — and the language to answer in."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from csuite.analysis.models import Brief
from csuite.answer import Evidence, Role, Understood
from csuite.context.alerts import Alert
from csuite.context.parse import CompanyContext
from csuite.evidence.collect import ToolRun
from csuite.fields import new_list
from csuite.knowledge.bilingual import Lang


class DraftRequest(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    question: str
    role: Role
    lang: Lang = "en"
    consulted: list[Role] = Field(default_factory=new_list)
    topics: list[str] = Field(default_factory=new_list, description="topic ids of the role's knowledge, best first")
    ctx: CompanyContext
    alerts: list[Alert] = Field(default_factory=new_list)
    runs: list[ToolRun] = Field(default_factory=new_list)
    evidence: list[Evidence] = Field(default_factory=new_list)
    missing_tools: list[str] = Field(default_factory=new_list, description="tools that would answer this, lacking data")
    rejected: list[str] = Field(default_factory=new_list, description="recommendations the founder rejected")
    as_of: date
    understood: Understood = Field(default_factory=Understood)
    brief: Brief | None = Field(default=None, description="the verdict on the decision asked, when there is one")
    entry: Any = Field(default=None, description="the decision's catalogue entry (csuite.understand.catalogue)")
