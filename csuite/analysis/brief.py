"""Which analysis answers which catalogue decision, and the two calls the runner makes: the tool
options a question sets (before the tools run) and the brief (after)."""

from __future__ import annotations

from datetime import date
from typing import Any

from csuite.analysis import cs, economics, forecast, funnel, retention, sales
from csuite.analysis.models import Brief, DecisionAnalysis, Situation
from csuite.answer import Understood
from csuite.context.parse import CompanyContext

ANALYSES: dict[str, DecisionAnalysis] = {
    **forecast.ANALYSES,
    **sales.ANALYSES,
    **economics.ANALYSES,
    **funnel.ANALYSES,
    **retention.ANALYSES,
    **cs.ANALYSES,
}


def tool_options_for(decision: str | None, understood: Understood, ctx: CompanyContext,
                     as_of: date) -> dict[str, dict[str, Any]]:
    """Options per tool that the question sets for this decision; empty when none apply."""
    analysis = ANALYSES.get(decision or "")
    if analysis is None or analysis.options is None:
        return {}
    return analysis.options(understood, ctx, as_of)


def brief_for(situation: Situation) -> Brief | None:
    """The verdict on the decision asked, or None when the catalogue decision has no analysis."""
    analysis = ANALYSES.get(situation.entry.id if situation.entry is not None else "")
    return analysis.brief(situation) if analysis is not None else None
