"""Which customer-success role to hire next, the rule that decided it, and a hiring sequence.

Roles: CSM, Support, Implementation Manager, Account Manager, CS Ops, Customer Marketing.
The decision is a deterministic table in csuite/data/cs_next_hire.yaml (read its header for the
method): each role's load against one person's capacity, the founder's missed customer outcomes
mapped to the role that owns them, and ordered rules (first CSM → a role over capacity → the top
missed outcome → a role near capacity → the most loaded role). No judgement is hidden in code:
change the YAML and the answer changes, with the fired rule named in the output. The sequence
runs over the YAML's horizon (sequence.months) and skips rules marked in_sequence: false.

Input (YAML or JSON; every key optional except customers and arr):

    company: Ledgerline
    stage: Series A
    customers: 112
    arr: $4.2M
    new_customers_last_12_months: 28      # else projected from growth and churn
    target_arr_12_months: $7.5M           # or arr_growth: 79%; else the YAML default (an assumption)
    logo_churn: 12%                       # annual; else the YAML default
    team: {CSMs: 3, Support engineers: 2, Implementation lead: 1}
    missed_outcomes: [New customers wait five weeks for implementation, ...]   # most important first

Team titles are mapped to roles by the YAML's role_aliases (unknown titles are an error naming
the title); counts must be whole numbers. Flags override the file: --customers, --arr, --stage,
--new-customers-per-year, --arr-growth individually; any role-count flag replaces the whole team
(roles not given are 0); --missed replaces the outcomes. A file you name is always read (flags
override its values one by one); with flags and no file the bundled sample is not loaded, so a
sample's team or target never leaks into your numbers. Every value's source is echoed in the
output (input_sources).
"""

from __future__ import annotations

import math
import re
from datetime import date
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, Field

from csuite.errors import InputError
from csuite.io.numbers import usd
from csuite.io.tables import Source, canonical_key, load_document, normalise_keys
from csuite.io.text import keyword_pattern, normalise_words
from csuite.io.values import add_months, parse_int, parse_money, parse_percent
from csuite.knowledge.bilingual import Bilingual, Lang
from csuite.resources import load_data_yaml
from csuite.tools.base import (
    Amount,
    Count,
    Day,
    Money,
    MonthCount,
    Percent,
    Quantity,
    Share,
    ToolOptions,
    ToolResult,
    ToolSpec,
)
from csuite.tools.registry import summary_of
from csuite.tools.texts import ToolTexts, cs_role_title, pad

NAME = "cs_next_hire"
ROLES = ("csm", "support", "implementation_manager", "account_manager", "cs_ops", "customer_marketing")
RoleId = Literal["csm", "support", "implementation_manager", "account_manager", "cs_ops", "customer_marketing"]

# Accepted keys of the input document (logical field → aliases), so a typo is an error, not ignored.
COLUMN_ALIASES: dict[str, list[str]] = {
    "company": ["company_name", "name"],
    "stage": ["company_stage", "funding_stage"],
    "customers": ["customer_count", "customers_count", "accounts", "logos", "paying_customers"],
    "arr": ["annual_recurring_revenue", "current_arr"],
    "new_customers_last_12_months": ["new_customers_per_year", "new_customers", "new_logos_last_12_months",
                                     "new_logos_per_year"],
    "target_arr_12_months": ["target_arr", "arr_target", "arr_target_12_months"],
    "arr_growth": ["growth", "annual_growth", "arr_growth_rate"],
    "logo_churn": ["annual_logo_churn", "logo_churn_rate"],
    "team": ["current_roles", "roles", "cs_team", "current_team"],
    "missed_outcomes": ["top_missed_outcomes", "outcomes", "missed", "outcomes_missed"],
}


# ----------------------------------------------------------------------------- models

class NextHireOptions(ToolOptions):
    stage: str | None = Field(None, description="company stage, e.g. 'Series A' (informational)")
    customers: int | None = Field(None, ge=0, description="paying customers (overrides the file)")
    arr: Money | None = Field(None, description="current ARR, e.g. 4.2M (overrides the file)")
    csm: int | None = Field(None, ge=0, description="CSMs today (any role flag replaces the file's whole team)")
    support: int | None = Field(None, ge=0, description="support engineers today")
    implementation_manager: int | None = Field(None, ge=0, description="implementation/onboarding staff today")
    account_manager: int | None = Field(None, ge=0, description="account managers today")
    cs_ops: int | None = Field(None, ge=0, description="CS operations staff today")
    customer_marketing: int | None = Field(None, ge=0, description="customer marketing staff today")
    missed: list[str] | None = Field(None, description="top missed customer outcomes, most important first "
                                     "(replaces the file's list)")
    new_customers_per_year: int | None = Field(None, ge=0, description="new customers in the last 12 months")
    arr_growth: Percent | None = Field(None, description="expected ARR growth over the next 12 months, e.g. 60%")
    as_of: Day | None = Field(None, description="date of 'month 0': each planned hire also gets a calendar date")


class RoleLoad(BaseModel):
    role: RoleId
    title: str
    count: Count
    eligible: bool
    load: Share | None = Field(description="demand ÷ capacity of the people in the role (one hire if none); "
                               "None when not yet eligible")
    basis: str


class Outcome(BaseModel):
    text: str
    area: str | None
    role: RoleId | None


class FiredRule(BaseModel):
    id: str
    description: str
    why: str


class Hire(BaseModel):
    month: MonthCount
    start_by: date | None = Field(None, description="as-of date + month (with --as-of)")
    role: RoleId
    title: str
    rule: str
    why: str
    customers: Quantity = Field(description="projected customers the hire is planned for")
    arr: Amount


class NextHireResult(ToolResult):
    company: str | None
    stage: str | None
    customers: Count
    arr: Amount
    next_role: RoleId
    next_role_title: str
    rule: FiredRule
    owns: list[str]
    does_not_own: list[str]
    loads: list[RoleLoad]
    missed_outcomes: list[Outcome]
    unmapped_outcomes: list[str]
    sequence: list[Hire]
    team_after: dict[str, int]
    growth: dict[str, Any]
    input_sources: dict[str, str]
    assumptions: list[str]


# ----------------------------------------------------------------------------- the table

class RoleText(BaseModel):
    """A role's title and duties in English and Chinese (cs_next_hire.yaml `roles`)."""

    title: Bilingual
    owns: list[Bilingual]
    does_not_own: list[Bilingual]


@lru_cache(maxsize=1)
def table() -> dict[str, Any]:
    """The decision table YAML, validated enough that a bad edit fails loudly at load."""
    data = load_data_yaml("cs_next_hire.yaml")
    if tuple(data["roles"]) != ROLES:
        raise RuntimeError(f"cs_next_hire.yaml roles must be {ROLES} in that order")
    data["_roles"] = {role: RoleText.model_validate(spec) for role, spec in data["roles"].items()}
    for rule in data["rules"]:
        Bilingual.model_validate(rule["description"])
    for area, spec in data["outcomes"].items():
        if spec["role"] not in ROLES:
            raise RuntimeError(f"cs_next_hire.yaml outcome {area} names unknown role {spec['role']}")
    aliases: dict[str, str] = {}
    for role, names in data["role_aliases"].items():
        for n in names:
            aliases[canonical_key(n)] = role
    data["_aliases"] = aliases
    data["_outcomes"] = [(area, spec["role"], keyword_pattern(spec["keywords"])) for area, spec in data["outcomes"].items()]
    return data


def role_text(role: str) -> RoleText:
    return table()["_roles"][role]


def rule_description(rule: dict[str, Any], lang: Lang = "en") -> str:
    return Bilingual.model_validate(rule["description"]).get(lang)


def classify_outcome(text: str) -> tuple[str | None, str | None]:
    norm = normalise_words(text)
    for area, role, pattern in table()["_outcomes"]:
        if pattern.search(norm):
            return area, role
    return None, None


def role_of_title(title: str) -> str | None:
    key = canonical_key(title)
    aliases = table()["_aliases"]
    for candidate in (key, key.rstrip("s"), re.sub(r"s(_|$)", r"\1", key)):
        if candidate in aliases:
            return aliases[candidate]
    return None


# ----------------------------------------------------------------------------- state and loads

class _State(BaseModel):
    customers: float
    arr: float
    new_customers_per_year: float
    team: dict[str, int]
    leadership: int = 0

    def metric(self, name: str) -> float:
        if name in self.team:
            return self.team[name]
        if name == "cs_headcount":
            return sum(self.team.values()) + self.leadership
        return float(getattr(self, name))


_OPS = {"<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b, "==": lambda a, b: a == b}


def _holds(conds: list[dict[str, Any]], state: _State) -> bool:
    return all(_OPS[c["op"]](state.metric(c["metric"]), float(c["value"])) for c in conds)


def _loads(state: _State) -> list[RoleLoad]:
    t = table()
    cap = t["capacity"]
    out = []
    for role in ROLES:
        n = state.team[role]
        eligible = n > 0 or _holds(t["eligible"][role], state)
        people = max(n, 1)
        c = cap[role]
        if role == "csm":
            by_c = state.customers / (people * c["customers"])
            by_a = state.arr / (people * c["arr"])
            load = max(by_c, by_a)
            basis = (f"{state.customers:,.0f} customers ÷ ({people} × {c['customers']}) = {by_c:.0%}; "
                     f"{usd(state.arr)} ÷ ({people} × {usd(c['arr'])}) = {by_a:.0%}")
        elif role in ("support", "customer_marketing"):
            load = state.customers / (people * c["customers"])
            basis = f"{state.customers:,.0f} customers ÷ ({people} × {c['customers']})"
        elif role == "implementation_manager":
            load = state.new_customers_per_year / (people * c["new_customers_per_year"])
            basis = f"{state.new_customers_per_year:,.0f} new customers a year ÷ ({people} × {c['new_customers_per_year']})"
        elif role == "account_manager":
            load = state.arr / (people * c["arr"])
            basis = f"{usd(state.arr)} ARR ÷ ({people} × {usd(c['arr'])})"
        else:  # cs_ops
            staff = state.metric("cs_headcount") - n
            load = staff / (people * c["cs_headcount"])
            basis = f"{staff:,.0f} other CS staff ÷ ({people} × {c['cs_headcount']})"
        if n == 0:
            basis += " (measured against one hire)"
        out.append(RoleLoad(role=role, title=cs_role_title(role), count=n, eligible=eligible,
                            load=load if eligible else None,
                            basis=basis if eligible else "not yet eligible: " + _describe(t["eligible"][role])))
    return out


def _describe(conds: list[dict[str, Any]]) -> str:
    return " and ".join(f"{c['metric']} {c['op']} {c['value']:,}" for c in conds)


def decide(state: _State, outcomes: list[Outcome], *, for_sequence: bool = False
           ) -> tuple[str, FiredRule] | None:
    """Apply the ordered rules; the first that matches names the role (None: no rule fired).
    For a planned hire (for_sequence) rules marked `in_sequence: false` in the YAML are skipped."""
    t = table()
    loads = _loads(state)
    ranked = sorted((rl for rl in loads if rl.load is not None),
                    key=lambda rl: (-(rl.load or 0.0), ROLES.index(rl.role)))
    for rule in t["rules"]:
        kind = rule["kind"]
        if for_sequence and not rule.get("in_sequence", True):
            continue
        if kind == "condition" and _holds(rule["when"], state):
            role = rule["role"]
            why = f"{_describe(rule['when'])} holds"
            return role, FiredRule(id=rule["id"], description=rule_description(rule), why=why)
        if kind == "max_load" and ranked and (ranked[0].load or 0.0) >= float(rule["min_load"]):
            top = ranked[0]
            why = f"{top.title} load {top.load:.0%} ({top.basis})"
            return top.role, FiredRule(id=rule["id"], description=rule_description(rule), why=why)
        if kind == "top_outcome":
            eligible = {rl.role for rl in loads if rl.eligible}
            for o in outcomes:
                if o.role is not None and o.role in eligible:
                    title = cs_role_title(o.role)
                    why = f"top missed outcome '{o.text}' is {o.area}, owned by the {title}"
                    return o.role, FiredRule(id=rule["id"], description=rule_description(rule), why=why)
    return None


# ----------------------------------------------------------------------------- input

def _read_document(source: Source) -> tuple[dict[str, Any], str]:
    if isinstance(source, dict):
        return source, "<input>"
    if isinstance(source, list):
        raise InputError("expected an object (stage, customers, arr, team, missed_outcomes), not a list",
                         file="<input>")
    data = load_document(source)
    if not isinstance(data, dict):
        raise InputError("expected a YAML/JSON object with customers, arr, team and missed_outcomes",
                         file=str(source))
    return data, str(source)


def _parse_team(value: Any, file: str) -> tuple[dict[str, int], int]:
    team = {r: 0 for r in ROLES}
    leadership = 0
    if value is None:
        return team, 0
    if isinstance(value, list):
        items = []
        for entry in value:
            if not isinstance(entry, dict) or "role" not in entry:
                raise InputError("each team entry must be {role: ..., count: ...}", file=file, field="team")
            items.append((entry["role"], entry.get("count", 1)))
    elif isinstance(value, dict):
        items = list(value.items())
    else:
        raise InputError("team must map role titles to counts, e.g. {CSMs: 3, Support engineers: 2}",
                         file=file, field="team")
    for title, count in items:
        role = role_of_title(str(title))
        if role is None:
            known = ", ".join(ROLES)
            raise InputError(f"unknown role title '{title}' (map it to one of: {known}, or a CS leader title)",
                             file=file, field=f"team.{title}")
        try:
            n = parse_int(count, minimum=0)
        except InputError as exc:
            raise exc.located(file=file, field=f"team.{title}") from None
        if role == "leadership":
            leadership += n
        else:
            team[role] += n
    return team, leadership


def _outcomes(value: Any, file: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise InputError("missed_outcomes must be a list of short sentences", file=file, field="missed_outcomes")
    out = []
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise InputError(f"missed outcome {item!r} is not text", file=file, field="missed_outcomes")
        out.append(item.strip())
    return out


# ----------------------------------------------------------------------------- run

def _new_per_year(customers: float, growth: float, logo_churn: float) -> float:
    """New customers a year needed at this size: net adds at the instantaneous growth rate
    (ln(1 + annual growth), so compounding is not double-counted) plus replacing churned logos."""
    return customers * max(math.log1p(growth) + logo_churn, 0.0)


def _growth(growth_raw: Any, target_raw: Any, arr: float, seq_cfg: dict[str, Any], file: str,
            sources: dict[str, str], assumptions: list[str]) -> tuple[float, str]:
    """ARR growth over 12 months: the rate given, else from a 12-month ARR target, else the YAML
    default (said as an assumption)."""
    if growth_raw is not None:
        try:
            growth = parse_percent(growth_raw, fraction_max=3.0, allow_negative=True)
        except InputError as exc:
            raise exc.located(file=file, field="arr_growth") from None
        basis = "given"
    elif target_raw is not None:
        try:
            target = parse_money(target_raw)
        except InputError as exc:
            raise exc.located(file=file, field="target_arr_12_months") from None
        if arr <= 0:
            raise InputError("target_arr_12_months needs a current ARR above 0", file=file, field="arr")
        growth = target / arr - 1
        basis = f"from the 12-month target {usd(target)}"
        sources["arr_growth"] = "file (target_arr_12_months)"
    else:
        growth = float(seq_cfg["default_arr_growth"])
        basis = "assumed (cs_next_hire.yaml default)"
        sources["arr_growth"] = "default"
        assumptions.append(f"ARR grows {growth:.0%} over the next 12 months (no arr_growth or target given)")
    if growth <= -1:
        raise InputError(f"ARR growth {growth:.0%} would take ARR to zero or below", file=file, field="arr_growth")
    return growth, basis


def _classified(outcome_texts: list[str], warnings: list[str]) -> tuple[list[Outcome], list[str]]:
    """Each missed outcome with the area and role it points at; unmapped ones are said."""
    outcomes, unmapped = [], []
    for text in outcome_texts:
        area, role = classify_outcome(text)
        outcomes.append(Outcome(text=text, area=area, role=role))
        if area is None:
            unmapped.append(text)
    if unmapped:
        warnings.append("unmapped missed outcomes (no keyword in cs_next_hire.yaml outcomes): "
                        + "; ".join(f"'{u}'" for u in unmapped))
    if not outcome_texts:
        warnings.append("no missed outcomes given: the decision rests on capacity alone")
    return outcomes, unmapped


def hiring_sequence(role: str, fired: Any, team: dict[str, int], outcomes: list[Outcome], customers: int,
                    arr: float, growth: float, logo_churn: float, leadership: int,
                    seq_cfg: dict[str, Any]) -> tuple[list[Hire], dict[str, int]]:
    """The next hire, then the rules re-run every step on the growing company and the planned team:
    (hires in order, the team after them)."""
    sequence = [Hire(month=0, role=role, title=cs_role_title(role), rule=fired.id, why=fired.why,
                     customers=customers, arr=arr)]
    planned = dict(team)
    planned[role] += 1
    step, lead, horizon = int(seq_cfg["step_months"]), int(seq_cfg["lead_months"]), int(seq_cfg["months"])
    for month in range(step, horizon, step):
        # Constant ACV: customers grow by the same factor as ARR, planned for `lead` months later.
        factor = (1 + growth) ** ((month + lead) / 12)
        customers_then, arr_then = customers * factor, arr * factor
        state = _State(customers=customers_then, arr=arr_then,
                       new_customers_per_year=_new_per_year(customers_then, growth, logo_churn),
                       team=dict(planned), leadership=leadership)
        for _ in range(int(seq_cfg["max_hires_per_step"])):
            hired = {h.role for h in sequence}
            got = decide(state, [o for o in outcomes if o.role not in hired], for_sequence=True)
            if got is None:
                break
            next_role, rule = got
            sequence.append(Hire(month=month, role=next_role, title=cs_role_title(next_role), rule=rule.id, why=rule.why,
                                 customers=round(customers_then, 1), arr=round(arr_then, 2)))
            planned[next_role] += 1
            state = state.model_copy(update={"team": dict(planned)})
    return sequence, planned


class _Given:
    """Where each input came from (a flag wins over the file), reported as input_sources, and the
    assumptions made where neither gave it."""

    def __init__(self, doc: dict[str, Any], file: str) -> None:
        self.doc, self.file = doc, file
        self.sources: dict[str, str] = {}
        self.assumptions: list[str] = []

    def pick(self, name: str, flag_value: Any) -> Any:
        if flag_value is not None:
            self.sources[name] = "flag"
            return flag_value
        if self.doc.get(name) is not None:
            self.sources[name] = "file"
            return self.doc[name]
        return None


def run(source: Source, options: NextHireOptions) -> NextHireResult:
    """The next CS role to hire and the hiring sequence after it, from a team file and/or flags."""
    seq_cfg = table()["sequence"]
    doc: dict[str, Any] = {}
    file = "<options>"
    warnings: list[str] = []
    if source is not None:
        raw, file = _read_document(source)
        doc = normalise_keys(raw, COLUMN_ALIASES, file)
    given = _Given(doc, file)
    customers, arr = _customers_and_arr(given, options)
    stage = given.pick("stage", options.stage)
    company = doc.get("company")
    team, leadership = _team_given(given, options)
    outcome_texts = options.missed if options.missed is not None else _outcomes(doc.get("missed_outcomes"), file)
    given.sources["missed_outcomes"] = "flag" if options.missed is not None else (
        "file" if doc.get("missed_outcomes") is not None else "none given")
    growth, growth_basis = _growth(given.pick("arr_growth", options.arr_growth), doc.get("target_arr_12_months"),
                                   arr, seq_cfg, file, given.sources, given.assumptions)
    logo_churn = _logo_churn(given, seq_cfg)
    new_now = _new_customers(given, options, customers, growth, logo_churn)
    outcomes, unmapped = _classified(outcome_texts, warnings)

    now = _State(customers=customers, arr=arr, new_customers_per_year=new_now, team=dict(team),
                 leadership=leadership)
    decision = decide(now, outcomes)
    if decision is None:  # only when every role is ineligible (e.g. zero customers)
        raise InputError("no role applies: with no customers there is nothing for CS to own yet", file=file)
    role, fired = decision
    loads = _loads(now)

    sequence, planned = hiring_sequence(role, fired, team, outcomes, customers, arr, growth, logo_churn, leadership,
                                        seq_cfg)
    step, lead, horizon = int(seq_cfg["step_months"]), int(seq_cfg["lead_months"]), int(seq_cfg["months"])
    if options.as_of is not None:
        for hire in sequence:
            hire.start_by = add_months(options.as_of, hire.month)
    duties = role_text(role)
    return NextHireResult(
        company=str(company) if company is not None else None, stage=str(stage) if stage is not None else None,
        customers=customers, arr=arr, next_role=role, next_role_title=cs_role_title(role), rule=fired,
        owns=[duty.en for duty in duties.owns], does_not_own=[duty.en for duty in duties.does_not_own],
        loads=loads, missed_outcomes=outcomes, unmapped_outcomes=unmapped, sequence=sequence, team_after=planned,
        growth={"arr_growth": growth, "basis": growth_basis, "logo_churn": logo_churn,
                "new_customers_per_year": new_now, "months": horizon, "step_months": step, "lead_months": lead},
        input_sources=given.sources, assumptions=given.assumptions, warnings=warnings,
    )


def _customers_and_arr(given: _Given, options: NextHireOptions) -> tuple[int, float]:
    """The two inputs every rule needs; refused when either is missing or unreadable."""
    customers_raw = given.pick("customers", options.customers)
    arr_raw = given.pick("arr", options.arr)
    if customers_raw is None or arr_raw is None:
        missing = [name for name, value in (("customers", customers_raw), ("arr", arr_raw)) if value is None]
        raise InputError(f"needs {' and '.join(missing)} (in the file or as --{' / --'.join(missing)})",
                         file=given.file)
    try:
        customers = parse_int(customers_raw, minimum=0)
    except InputError as exc:
        raise exc.located(file=given.file, field="customers") from None
    try:
        arr = parse_money(arr_raw)
    except InputError as exc:
        raise exc.located(file=given.file, field="arr") from None
    return customers, arr


def _team_given(given: _Given, options: NextHireOptions) -> tuple[dict[str, int], int]:
    """Today's team and leadership: any role flag replaces the whole team, else the file's, else nobody."""
    role_flags = {role: getattr(options, role) for role in ROLES}
    if any(count is not None for count in role_flags.values()):
        given.sources["team"] = "flag"
        return {role: int(count or 0) for role, count in role_flags.items()}, 0
    team, leadership = _parse_team(given.doc.get("team"), given.file)
    given.sources["team"] = "file" if given.doc.get("team") is not None else "default (nobody)"
    return team, leadership


def _logo_churn(given: _Given, seq_cfg: dict[str, Any]) -> float:
    """Annual logo churn from the file, else the YAML default (said as an assumption)."""
    churn_raw = given.doc.get("logo_churn")
    if churn_raw is not None:
        try:
            logo_churn = parse_percent(churn_raw)
        except InputError as exc:
            raise exc.located(file=given.file, field="logo_churn") from None
        given.sources["logo_churn"] = "file"
        return logo_churn
    logo_churn = float(seq_cfg["default_logo_churn"])
    given.sources["logo_churn"] = "default"
    given.assumptions.append(f"annual logo churn {logo_churn:.0%} (to project new customers needed)")
    return logo_churn


def _new_customers(given: _Given, options: NextHireOptions, customers: int, growth: float,
                   logo_churn: float) -> float:
    """New customers a year: given, else what the growth and churn imply (said as an assumption)."""
    new_raw = given.pick("new_customers_last_12_months", options.new_customers_per_year)
    if new_raw is not None:
        try:
            return float(parse_int(new_raw, minimum=0))
        except InputError as exc:
            raise exc.located(file=given.file, field="new_customers_last_12_months") from None
    new_now = _new_per_year(customers, growth, logo_churn)
    given.assumptions.append(f"new customers a year ≈ customers × (ln(1 + growth) + churn) = {new_now:,.0f} "
                             "(no new_customers_last_12_months given)")
    return new_now


def render(r: NextHireResult, lang: Lang = "en") -> str:
    titles = {cs_role_title(role): role for role in ROLES}
    rules = {rule["id"]: rule for rule in table()["rules"]}
    T = ToolTexts(NAME, lang, lookups={
        "role": lambda title: cs_role_title(titles[title], lang) if title in titles else title,
        "conditions": lambda text: text.replace(" and ", T("and")),
    })

    def title(role: str) -> str:
        return cs_role_title(role, lang)

    def name(role: str) -> str:
        """A role as the lists name it: its id in English (as in --json), its title in Chinese."""
        return role if lang == "en" else title(role)

    duties = role_text(r.next_role)
    rule = rules.get(r.rule.id)
    lines = [
        T("headline", who=T("company", company=r.company) if r.company else "", title=title(r.next_role)),
        T("rule_fired", id=r.rule.id, description=rule_description(rule, lang) if rule else T.say(r.rule.description)),
        T("why", why=T.say(r.rule.why)),
        T("owns", items=T("list_separator").join(d.get(lang) for d in duties.owns)),
        T("does_not_own", items=T("list_separator").join(d.get(lang) for d in duties.does_not_own)),
        "",
        T("today", customers=r.customers, arr=usd(r.arr)),
    ]
    for rl in r.loads:
        load = T("n_a") if rl.load is None else f"{rl.load:.0%}"
        lines.append(T("load_row", title=pad(title(rl.role), 26), count=rl.count, load=load, basis=T.say(rl.basis)))
    if r.missed_outcomes:
        lines.append(T("missed_outcomes"))
        for o in r.missed_outcomes:
            owner = T("unmapped") if o.role is None else T("outcome_owner", area=T.term(o.area or ""), role=name(o.role))
            lines.append(T("missed_outcome", text=o.text, owner=owner))
    g = r.growth
    lines.append("")
    lines.append(T("sequence", months=g["months"], growth=f"{g['arr_growth']:.0%}", basis=T.say(g["basis"]),
                   lead=g["lead_months"]))
    for h in r.sequence:
        when = f" ({h.start_by.isoformat()})" if h.start_by else ""
        lines.append(T("hire", month=h.month, when=when, title=pad(title(h.role), 26), rule=h.rule, why=T.say(h.why)))
    lines.append(T("team_after", team=T("team_separator").join(
        T("team_member", role=name(k), count=v) for k, v in r.team_after.items() if v)))
    for a in r.assumptions:
        lines.append(T("assumption", text=T.say(a)))
    for w in r.warnings:
        lines.append(T("warning", text=T.say(w)))
    return "\n".join(lines)


SPEC = ToolSpec(
    name="cs_next_hire",
    summary=summary_of("cs_next_hire"),
    role="cco",
    input_help=("YAML/JSON: stage, customers, arr, team {title: count}, missed_outcomes [most important "
                "first], optional new_customers_last_12_months, target_arr_12_months or arr_growth, logo_churn. "
                "Flags override the file (a role flag replaces the whole team); with flags and no INPUT "
                "the sample is not used"),
    sample="cs_team.yaml",
    options=NextHireOptions,
    result=NextHireResult,
    run=run,
    render=render,
    data_kinds=("cs_team",),
    input_required=False,
)
