"""The optional accounts file: names, segments, churn reasons, health, renewals, usage."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from csuite.errors import InputError
from csuite.io.tables import (
    Source,
    Table,
    read_table,
    resolve_columns,
)
from csuite.io.values import (
    infer_date_order,
    parse_date,
    parse_number,
    parse_percent,
)
from csuite.tools.base import Count, Score, Share

from csuite.tools.snapshots.data import ACCOUNT_ALIASES


# ----------------------------------------------------------------------------- accounts file

class AccountInfo(BaseModel):
    account_id: str
    name: str | None = None
    segment: str | None = None
    churn_reason: str | None = None
    health_score: Score | None = Field(default=None, description="0–100")
    renewal_date: date | None = None
    usage_change: Share | None = Field(default=None, description="fractional change, −0.3 = −30%")
    row: Count | None = None


def read_accounts(source: Source) -> dict[str, AccountInfo]:
    """The optional accounts file. Health scores are 0–100 ('72%' is 72); a column of plain
    numbers entirely within 0–1 or 0–10 is rescaled, anything above 100 is an error. Duplicate
    account ids are an error naming both rows. Values are parsed once per distinct text, so a
    file of 100,000 accounts reads in about a second."""
    table = read_table(source, name="accounts")
    if not table.rows:
        raise InputError("has a header but no data rows", file=table.file)
    m = resolve_columns(table, ACCOUNT_ALIASES, required=("account_id",))

    def column(name: str) -> list[str | None]:
        header = m.get(name)
        if header is None:
            return [None] * len(table.rows)
        out = []
        for r in table.rows:
            v = r.get(header)
            v = None if v is None else (v if isinstance(v, str) else str(v)).strip()
            out.append(v or None)
        return out

    cols = {name: column(name) for name in ACCOUNT_ALIASES}
    try:
        order = infer_date_order({d for d in cols["renewal_date"] if d is not None})
    except InputError as exc:
        raise exc.located(file=table.file, field=m.get("renewal_date")) from None

    def health(v: str) -> tuple[float, bool]:
        if v.endswith("%"):
            return parse_percent(v, fraction_max=0.0) * 100, True
        score = parse_number(v)
        if score < 0:
            raise InputError(f"health score {v} is negative")
        return score, False

    def renewal(v: str) -> date:
        try:
            return date.fromisoformat(v)
        except ValueError:
            return parse_date(v, date_order=order)

    parsers = {"health_score": health, "renewal_date": renewal,
               "usage_change": lambda v: parse_percent(v, allow_negative=True)}
    parsed: dict[str, list[Any]] = {}
    for name, parse in parsers.items():
        memo: dict[str, Any] = {}
        values: list[Any] = []
        for i, v in enumerate(cols[name]):
            if v is None:
                values.append(None)
                continue
            if v not in memo:
                try:
                    memo[v] = parse(v)
                except InputError as exc:
                    raise exc.located(file=table.file, row=table.row_number(i), field=m.get(name)) from None
            values.append(memo[v])
        parsed[name] = values

    plain = [(table.row_number(i), h[0]) for i, h in enumerate(parsed["health_score"]) if h and not h[1]]
    factor = _health_factor(plain, table, m.get("health_score"))
    out: dict[str, AccountInfo] = {}
    first_row: dict[str, int] = {}
    for i, acc in enumerate(cols["account_id"]):
        row_no = table.row_number(i)
        if acc is None:
            raise InputError("account id is empty", file=table.file, row=row_no, field=m["account_id"])
        if acc in out:
            raise InputError(f"rows {first_row[acc]} and {row_no} are both account '{acc}'; keep one",
                             file=table.file)
        h = parsed["health_score"][i]
        score = None if h is None else (h[0] if h[1] else h[0] * factor)
        if score is not None and score > 100:
            raise InputError(f"health score {score:g} is above 100", file=table.file, row=row_no,
                             field=m.get("health_score"))
        # Every value was validated above; skip re-validation for large files.
        out[acc] = AccountInfo.model_construct(
            account_id=acc, name=cols["name"][i], segment=cols["segment"][i],
            churn_reason=cols["churn_reason"][i], health_score=score,
            renewal_date=parsed["renewal_date"][i], usage_change=parsed["usage_change"][i], row=row_no)
        first_row[acc] = row_no
    return out


def _health_factor(values: list[tuple[int, float]], table: Table, header: str | None) -> float:
    """Scale for plain-number health scores: a column entirely within 0–1 is a fraction (× 100),
    within 0–10 with some value above 1 is a ten-point scale (× 10), else already 0–100."""
    if not values:
        return 1.0
    top = max(v for _, v in values)
    return 100.0 if top <= 1.0 else 10.0 if top <= 10.0 else 1.0
