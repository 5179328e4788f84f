"""The optional accounts file: names, segments, churn reasons, health, renewals, usage."""

from __future__ import annotations

from datetime import date
from typing import Any, Callable

from pydantic import BaseModel, ConfigDict, Field

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
    model_config = ConfigDict(defer_build=True)  # built on first use: most runs that import it never validate one

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
    mapping = resolve_columns(table, ACCOUNT_ALIASES, required=("account_id",))
    texts = {name: _text_column(table, mapping.get(name)) for name in ACCOUNT_ALIASES}
    try:
        order = infer_date_order({day for day in texts["renewal_date"] if day is not None})
    except InputError as exc:
        raise exc.located(file=table.file, field=mapping.get("renewal_date")) from None

    def renewal(text: str) -> date:
        try:
            return date.fromisoformat(text)
        except ValueError:
            return parse_date(text, date_order=order)

    parsers = {"health_score": _health, "renewal_date": renewal, "usage_change": _usage_change}
    parsed = {name: _parsed_column(texts[name], parse, table, mapping.get(name)) for name, parse in parsers.items()}
    plain = [(table.row_number(i), health[0]) for i, health in enumerate(parsed["health_score"])
             if health and not health[1]]
    factor = _health_factor(plain, table, mapping.get("health_score"))
    return _accounts_by_id(table, mapping, texts, parsed, factor)


def _text_column(table: Table, header: str | None) -> list[str | None]:
    """A column's cells as stripped text, None where blank (all None when the column is absent)."""
    if header is None:
        return [None] * len(table.rows)
    out = []
    for row in table.rows:
        value = row.get(header)
        value = None if value is None else (value if isinstance(value, str) else str(value)).strip()
        out.append(value or None)
    return out


def _health(text: str) -> tuple[float, bool]:
    """A health score and whether it was written as a percent (plain numbers are rescaled later)."""
    if text.endswith("%"):
        return parse_percent(text, fraction_max=0.0) * 100, True
    score = parse_number(text)
    if score < 0:
        raise InputError(f"health score {text} is negative")
    return score, False


def _usage_change(text: str) -> float:
    """Usage change may fall as well as rise."""
    return parse_percent(text, allow_negative=True)


def _parsed_column(texts: list[str | None], parse: Callable[[str], Any], table: Table,
                   header: str | None) -> list[Any]:
    """A column parsed once per distinct text; a bad cell is located at its row."""
    memo: dict[str, Any] = {}
    values: list[Any] = []
    for i, text in enumerate(texts):
        if text is None:
            values.append(None)
            continue
        if text not in memo:
            try:
                memo[text] = parse(text)
            except InputError as exc:
                raise exc.located(file=table.file, row=table.row_number(i), field=header) from None
        values.append(memo[text])
    return values


def _accounts_by_id(table: Table, mapping: dict[str, str], texts: dict[str, list[str | None]],
                    parsed: dict[str, list[Any]], factor: float) -> dict[str, AccountInfo]:
    """One AccountInfo per account id, refusing a blank or repeated id and a health score above 100."""
    out: dict[str, AccountInfo] = {}
    first_row: dict[str, int] = {}
    for i, account in enumerate(texts["account_id"]):
        row_no = table.row_number(i)
        if account is None:
            raise InputError("account id is empty", file=table.file, row=row_no, field=mapping["account_id"])
        if account in out:
            raise InputError(f"rows {first_row[account]} and {row_no} are both account '{account}'; keep one",
                             file=table.file)
        health = parsed["health_score"][i]
        score = None if health is None else (health[0] if health[1] else health[0] * factor)
        if score is not None and score > 100:
            raise InputError(f"health score {score:g} is above 100", file=table.file, row=row_no,
                             field=mapping.get("health_score"))
        # Every value was validated above; skip re-validation for large files.
        out[account] = AccountInfo.model_construct(
            account_id=account, name=texts["name"][i], segment=texts["segment"][i],
            churn_reason=texts["churn_reason"][i], health_score=score,
            renewal_date=parsed["renewal_date"][i], usage_change=parsed["usage_change"][i], row=row_no)
        first_row[account] = row_no
    return out


def _health_factor(values: list[tuple[int, float]], table: Table, header: str | None) -> float:
    """Scale for plain-number health scores: a column entirely within 0–1 is a fraction (× 100),
    within 0–10 with some value above 1 is a ten-point scale (× 10), else already 0–100."""
    if not values:
        return 1.0
    top = max(score for _, score in values)
    return 100.0 if top <= 1.0 else 10.0 if top <= 10.0 else 1.0
