"""A named account's own rows, from every file the founder sent: "protect the Acme renewal" is
answered from Acme's ARR, its trend, its renewal date and its health, not from averages.

For each account the question names, every table with a name column is searched for rows that
spell the name the same way (case and spacing aside). A revenue series (period + MRR or ARR)
gives the account's first and latest ARR; other numeric columns of its row (health score, usage
change, seats) become evidence as they are; a renewal date is kept as text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from pydantic import BaseModel, Field

from csuite.answer import Evidence
from csuite.errors import InputError
from csuite.evidence.collect import id_slug
from csuite.evidence.entities import NAME_COLUMNS
from csuite.fields import new_list
from csuite.io.tables import canonical_key, read_table
from csuite.io.values import parse_date, parse_money, parse_number, parse_period

PERIOD_KEYS = {"period", "month", "date", "snapshot_date", "as_of"}
MRR_KEYS = {"mrr", "monthly_recurring_revenue"}
ARR_KEYS = {"arr", "annual_recurring_revenue", "annual_value", "amount"}
RENEWAL_KEYS = {"renewal_date", "renewal", "contract_end", "contract_end_date", "next_renewal"}
# A table with a deal stage is a pipeline export: its Amount is what a deal is worth, not the
# account's ARR (an account's $12K expansion deal is no $12K customer).
STAGE_KEYS = {"stage", "stagename", "stage_name", "deal_stage", "dealstage"}
SKIP_KEYS = NAME_COLUMNS | PERIOD_KEYS | MRR_KEYS | ARR_KEYS | RENEWAL_KEYS | {"account_id", "id", "customer_id"}


class AccountFacts(BaseModel):
    name: str
    evidence: list[Evidence] = Field(default_factory=new_list)
    renewal_date: str | None = None
    files: list[str] = Field(default_factory=new_list)


def _norm(text: str) -> str:
    return " ".join(str(text).lower().split())


def _key(headers: Iterable[str], wanted: set[str]) -> str | None:
    return next((h for h in headers if canonical_key(h) in wanted), None)


def _series(rows: list[dict], period_col: str, value_col: str, monthly: bool) -> list[tuple[str, float]]:
    points = []
    for row in rows:
        try:
            label = parse_period(row.get(period_col)).label
            value = parse_money(row.get(value_col))
        except InputError:
            continue
        points.append((label, value * 12 if monthly else value))
    return sorted(points)


ID_KEYS = {"account_id", "customer_id", "id", "account", "customer"}


def _tables(paths: Iterable[str | Path]) -> list[tuple[Path, object]]:
    out = []
    for path in paths:
        path = Path(path)
        if path.suffix.lower() in (".yaml", ".yml"):
            continue
        try:
            out.append((path, read_table(path)))
        except InputError:
            continue
    return out


def _matching(table, target: str, ids: set[str]) -> list[dict]:
    """Rows that name the account, or carry one of its ids (a billing export keyed by account id)."""
    name_cols = [h for h in table.headers if canonical_key(h) in NAME_COLUMNS]
    id_cols = [h for h in table.headers if canonical_key(h) in ID_KEYS]
    return [r for r in table.rows if any(_norm(r.get(c) or "") == target for c in name_cols)
            or any(str(r.get(c) or "").strip() in ids for c in id_cols)]


def account_facts(name: str, paths: Iterable[str | Path]) -> AccountFacts:
    """What every file says about one account; nothing when no file names it."""
    facts = AccountFacts(name=name)
    slug = id_slug(name)
    target = _norm(name)
    tables = _tables(paths)
    ids: set[str] = set()
    for _path, table in tables:
        id_cols = [h for h in table.headers if canonical_key(h) in ID_KEYS - {"account", "customer"}]
        for row in _matching(table, target, set()):
            ids |= {str(row.get(c)).strip() for c in id_cols if str(row.get(c) or "").strip()}
    for path, table in tables:
        rows = _matching(table, target, ids)
        if not rows:
            continue
        facts.files.append(path.name)
        where = f"{path.name}, the rows for {name}"
        period_col = _key(table.headers, PERIOD_KEYS)
        mrr_col, arr_col = _key(table.headers, MRR_KEYS), _key(table.headers, ARR_KEYS)
        if _key(table.headers, STAGE_KEYS):
            mrr_col = arr_col = None
        if period_col and (mrr_col or arr_col) and len(rows) > 1:
            series = _series(rows, period_col, mrr_col or arr_col, monthly=bool(mrr_col))
            if series:
                (first_label, first), (last_label, last) = series[0], series[-1]
                facts.evidence += [
                    Evidence(id=f"account.{slug}.arr", label=f"{name} ARR in {last_label}", value=last, unit="usd",
                             source=where, kind="founder_data"),
                    Evidence(id=f"account.{slug}.arr_first", label=f"{name} ARR in {first_label}", value=first,
                             unit="usd", source=where, kind="founder_data"),
                ]
                if first:
                    facts.evidence.append(Evidence(id=f"account.{slug}.arr_change",
                                                   label=f"{name} ARR change {first_label} to {last_label}",
                                                   value=last / first - 1, unit="fraction", source=where,
                                                   kind="founder_data"))
        elif mrr_col or arr_col:
            try:
                value = parse_money(rows[-1].get(mrr_col or arr_col))
                facts.evidence.append(Evidence(id=f"account.{slug}.arr", label=f"{name} ARR",
                                               value=value * 12 if mrr_col else value, unit="usd", source=where,
                                               kind="founder_data"))
            except InputError:
                pass
        row = rows[-1]
        renewal_col = _key(table.headers, RENEWAL_KEYS)
        if renewal_col and row.get(renewal_col):
            try:
                facts.renewal_date = parse_date(row[renewal_col]).isoformat()
            except InputError:
                pass
        for header in table.headers:
            key = canonical_key(header)
            if key in SKIP_KEYS or key.startswith(("is_", "has_")):
                continue
            raw = str(row.get(header) or "").strip()
            if not raw or not any(ch.isdigit() for ch in raw):
                continue
            try:
                value = parse_number(raw.rstrip("%")) / (100 if raw.endswith("%") else 1)
            except InputError:
                continue
            facts.evidence.append(Evidence(id=f"account.{slug}.{key}", label=f"{name} {header.strip()}",
                                           value=value, unit="fraction" if raw.endswith("%") else "count",
                                           source=where, kind="founder_data"))
    return facts


def accounts_evidence(names: Iterable[str], paths: Iterable[str | Path]) -> dict[str, AccountFacts]:
    paths = list(paths)
    return {name: account_facts(name, paths) for name in names}
