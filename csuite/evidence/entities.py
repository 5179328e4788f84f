"""Names a question may mention: accounts and deals in the founder's files and context, and the
segment names their data uses. The question parser matches "Acme" to "Acme Corp" and "mid-size"
to "Mid-Market" against these lists, so an answer speaks of the founder's accounts as their data
spells them."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from pydantic import BaseModel, Field

from csuite.context.parse import CompanyContext
from csuite.errors import InputError
from csuite.fields import new_list
from csuite.io.tables import canonical_key, read_table

NAME_COLUMNS = frozenset({
    "name", "account", "account_name", "customer", "customer_name", "company", "company_name",
    "opportunity_name", "deal_name", "dealname", "client", "client_name", "organization",
})
SEGMENT_COLUMNS = frozenset({"segment", "tier", "plan", "customer_segment", "market_segment", "plan_name",
                             "customer_tier"})
# Enough distinct names to cover a real customer list; a million-row export still reads fast.
MAX_NAMES = 50_000


class Entities(BaseModel):
    names: list[str] = Field(default_factory=new_list)
    segments: list[str] = Field(default_factory=new_list)


def _columns(headers: Iterable[str], wanted: frozenset[str]) -> list[str]:
    return [h for h in headers if canonical_key(h) in wanted]


def file_entities(path: str | Path) -> Entities:
    """Account/deal names and segment names from one data file (tables only; plans and metric
    documents carry none). A file we cannot read as a table contributes nothing here: the tool
    run on it reports the problem."""
    path = Path(path)
    if path.suffix.lower() in (".yaml", ".yml"):
        return Entities()
    try:
        table = read_table(path)
    except InputError:
        return Entities()
    names: dict[str, None] = {}
    segments: dict[str, None] = {}
    name_columns = _columns(table.headers, NAME_COLUMNS)
    segment_columns = _columns(table.headers, SEGMENT_COLUMNS)
    for row in table.rows:
        for column in name_columns:
            value = str(row.get(column) or "").strip()
            if value and len(names) < MAX_NAMES:
                names[value] = None
        for column in segment_columns:
            value = str(row.get(column) or "").strip()
            if value:
                segments[value] = None
    return Entities(names=list(names), segments=list(segments))


def known_entities(paths: Iterable[str | Path], ctx: CompanyContext) -> Entities:
    """Every file's names and segments, plus the largest customer the context names."""
    names: dict[str, None] = {}
    segments: dict[str, None] = {}
    if ctx.found:
        largest = getattr(ctx.metrics, "largest_customer", None)
        if isinstance(largest, str) and largest.strip():
            names[largest.strip()] = None
    for path in paths:
        found = file_entities(path)
        names.update(dict.fromkeys(found.names))
        segments.update(dict.fromkeys(found.segments))
    return Entities(names=list(names), segments=list(segments))
