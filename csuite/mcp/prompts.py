"""The MCP server's prompts: each role's persona, and both roles reviewing one decision.

A host shows these as slash commands or templates. Each renders the role system prompts from
`prompts/` (csuite.render.templates) with the founder's company context filled in, then puts the
founder's question after them; the host's own model then answers in role. Prompt arguments
arrive as strings (MCP prompts have no typed arguments), so dates are parsed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from csuite.context.report import as_of_date, check_payload
from csuite.errors import UsageError
from csuite.knowledge.thresholds import section
from csuite.render.templates import CRO_PERSONAS, role_system_prompt
from csuite.roles import ROLES
from csuite.routing.router import question_limit, route

QUESTION_MAX_CHARS: int = question_limit()  # one limit for every front end (routing.yaml)

REVIEW_INSTRUCTIONS = """\
## Two-role review

Review the founder's decision below as both advisors, each in the persona and under the rules of
the briefs above.

1. **{lead} view**, then **{other} view**: each a bottom line and at most five findings, every
   finding tagged 🟢 verified / 🟡 medium / 🔴 assumed with its source.
2. **Where they agree** and **where they disagree**: name the disagreement plainly; do not
   average it away.
3. **Synthesis**, in the standard order: BOTTOM LINE → WHY THIS MATTERS → HOW TO ACT (owner and
   deadline for each action) → RISKS → YOUR DECISION (two or three options with trade-offs and
   the recommendation).

Run the csuite tools on the founder's files for every number you need; never invent one.
"""


def _context(context_path: str | None, as_of: str | None) -> dict[str, Any]:

    return check_payload(context_path or None, as_of_date(as_of, name="as_of"))


def _question(question: str | None) -> str:
    """The question, checked before anything works on it (routing a huge one is costly)."""
    question = (question or "").strip()
    if not question:
        raise UsageError("question: give the founder's question")
    if len(question) > QUESTION_MAX_CHARS:
        raise UsageError(f"question: at most {QUESTION_MAX_CHARS:,} characters (this one has {len(question):,})")
    return question


def _question_block(question: str) -> str:
    return f"## The founder's question\n\n{_question(question)}\n"


def role_prompt(role: str, question: str, context_path: str | None = None, as_of: str | None = None,
                persona: str | None = None) -> str:

    _question(question)
    if persona and role != "cro":
        raise UsageError("persona: only the CRO has personas")
    if persona and persona not in CRO_PERSONAS:
        raise UsageError(f"persona: choose one of {', '.join(CRO_PERSONAS)}")
    system = role_system_prompt(role, _context(context_path, as_of), persona=persona or None)
    return f"{system.rstrip()}\n\n{_question_block(question)}"


def review_prompt(question: str, context_path: str | None = None, as_of: str | None = None,
                  lead: str | None = None) -> list[str]:
    """Three user messages: the CRO brief, the CCO brief, then the review task and question."""

    lead = (lead or _routed_lead(_question(question))).lower()
    if lead not in ROLES:
        raise UsageError("lead: choose cro or cco")
    other = "cco" if lead == "cro" else "cro"
    context = _context(context_path, as_of)
    briefs = [f"# {role.upper()} brief\n\n{role_system_prompt(role, context).rstrip()}\n" for role in (lead, other)]
    task = REVIEW_INSTRUCTIONS.format(lead=lead.upper(), other=other.upper())
    return [*briefs, f"{task}\n{_question_block(question)}"]


def _routed_lead(question: str) -> str:
    """The role the router gives the question; the CRO when the router is absent or unsure."""
    try:

        primary = route(question).primary
    except Exception:  # noqa: BLE001 - routing is a convenience here, not a requirement
        return "cro"
    return primary if primary in ROLES else "cro"


@dataclass(frozen=True)
class PromptDef:
    name: str
    description: str
    function: Callable[[], Callable[..., Any]]



def _cro() -> Callable[..., Any]:
    def cro_advisor(question: str, context_path: str | None = None, as_of: str | None = None,
                    persona: str | None = None) -> str:
        return role_prompt("cro", question, context_path, as_of, persona)
    return cro_advisor


def _cco() -> Callable[..., Any]:
    def cco_advisor(question: str, context_path: str | None = None, as_of: str | None = None) -> str:
        return role_prompt("cco", question, context_path, as_of)
    return cco_advisor


def _review() -> Callable[..., Any]:
    def two_role_review(question: str, context_path: str | None = None, as_of: str | None = None,
                        lead: str | None = None) -> list[str]:
        return review_prompt(question, context_path, as_of, lead)
    return two_role_review


PROMPTS: tuple[PromptDef, ...] = (
    PromptDef("cro_advisor",
              "The Chief Revenue Officer, briefed on your company: pipeline, forecast, pricing, sales "
              "hiring, unit economics. Arguments: question; context_path (company-context.md); as_of "
              "(YYYY-MM-DD); persona (rainmaker, coach, analyst, orchestrator or wolf; default from "
              "the founder archetype in the context).",
              _cro),
    PromptDef("cco_advisor",
              "The Chief Customer Officer, briefed on your company: honest retention, churn causes, "
              "segmentation, CS coverage and hiring. Arguments: question; context_path; as_of.",
              _cco),
    PromptDef("two_role_review",
              "CRO and CCO review one decision together: each view, where they agree and disagree, "
              "then one synthesis. Arguments: question; context_path; as_of; lead (cro or cco; "
              "default: the role the router picks).",
              _review),
)
