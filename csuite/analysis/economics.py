"""Go-to-market efficiency decisions: unit economics, what goes to the board, where the next
dollar of spend goes. The verdict reads the efficiency lines (magic number, CAC payback, burn
multiple) from a metrics run on the founder's file, else their context."""

from __future__ import annotations

from csuite.analysis.common import (
    Gate,
    alert_line,
    figure,
    make_brief,
)
from csuite.analysis.models import Brief, DecisionAnalysis, Situation

METRICS = "revenue_metrics"


def _efficiency(situation: Situation) -> tuple[Gate, dict[str, str]]:
    gate = Gate(situation)
    magic, _ = figure(situation, f"{METRICS}.metrics.magic_number.value", "ctx.magic_number")
    payback, _ = figure(situation, f"{METRICS}.metrics.cac_payback_months.value",
                        f"{METRICS}.metrics.cac_payback_months.value", "ctx.cac_payback_months")
    burn, _ = figure(situation, f"{METRICS}.metrics.burn_multiple.value", "ctx.burn_multiple")
    gate.below("points.gate.magic_number", magic, alert_line(situation, "magic_number_low", "magic_number"))
    gate.above("points.gate.payback", payback, alert_line(situation, "cac_payback_long", "cac_payback_months"))
    gate.above("points.gate.burn_multiple", burn,
               "bench.burn_multiple.good" if situation.has("bench.burn_multiple.good") else None)
    shown = {k: v for k, v in {"magic": magic, "payback": payback, "burn": burn}.items() if v}
    return gate, shown


def unit_economics(situation: Situation) -> Brief:
    """Does each sales dollar come back fast enough? Efficient, hold, or stop adding spend."""
    gate, shown = _efficiency(situation)
    figures = {**shown, **gate.figures()}
    if not shown:
        verdict = "no_data"
    elif len(gate.failed) >= 2:
        verdict = "inefficient"
    elif gate.failed:
        verdict = "mixed"
    else:
        verdict = "efficient"
    return make_brief(situation, verdict, headline={"figures": figures}, recommendation={"figures": figures},
                      option={"efficient": 0, "mixed": 1, "inefficient": 2, "no_data": 1}[verdict],
                      points=list(gate.failed) + list(gate.passed), must_state=list(shown.values())[:2],
                      missing=[] if situation.run(METRICS) else ["metrics"])


def board_reporting(situation: Situation) -> Brief:
    """The board pack leads with ARR and GRR beside NRR; a leak is named, not averaged away."""
    arr, _ = figure(situation, "churn_analyzer.waterfall.end", "ctx.arr")
    nrr, _ = figure(situation, "churn_analyzer.nrr", "retention_decomposition_analyzer.nrr", "ctx.nrr")
    grr, _ = figure(situation, "churn_analyzer.grr", "retention_decomposition_analyzer.grr", "ctx.grr")
    gate, shown = _efficiency(situation)
    gate.below("points.gate.grr", grr, alert_line(situation, "grr_low", "grr"))
    figures = {k: v for k, v in {"arr": arr, "nrr": nrr, "grr": grr}.items() if v}
    figures.update(gate.figures())
    leaking = any(p.phrase.startswith("points.gate.grr") for p in gate.failed)
    if not (arr and nrr and grr):
        verdict = "needs_numbers"
    elif leaking:
        verdict = "name_the_leak"
    else:
        verdict = "standard_pack"
    return make_brief(situation, verdict, headline={"figures": figures}, recommendation={"figures": figures},
                      option={"name_the_leak": 0, "standard_pack": 1, "needs_numbers": 2}[verdict],
                      points=list(gate.failed) + list(gate.passed), must_state=[f for f in (arr, grr) if f],
                      missing=[] if situation.run(METRICS) else ["metrics"])


ANALYSES = {
    "unit_economics": DecisionAnalysis("unit_economics", unit_economics),
    "board_reporting": DecisionAnalysis("board_reporting", board_reporting),
}
