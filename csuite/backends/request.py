"""What a backend receives to draft one role's answer: everything already computed by code."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from csuite.answer import Evidence, Role
from csuite.context.alerts import Alert
from csuite.context.parse import CompanyContext
from csuite.evidence.collect import ToolRun


class DraftRequest(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    question: str
    role: Role
    consulted: list[Role] = Field(default_factory=list)
    topics: list[str] = Field(default_factory=list, description="topic ids of the role's knowledge, best first")
    ctx: CompanyContext
    alerts: list[Alert] = Field(default_factory=list)
    runs: list[ToolRun] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)
    missing_tools: list[str] = Field(default_factory=list, description="tools that would answer this, lacking data")
    rejected: list[str] = Field(default_factory=list, description="recommendations the founder rejected")
    as_of: date
