"""Snapshot tables read a column at a time through the shared reader (csuite.io):
periods parsed once per distinct text, money as integer cents, duplicates and gaps refused."""

from __future__ import annotations

from datetime import date


from csuite.errors import InputError
from csuite.io.tables import (
    Source,
    read_table,
)

from csuite.tools.snapshots.data import Snapshots, month_of_day, month_label, snapshots_from_table
from csuite.tools.snapshots.stripe import is_stripe_table, snapshots_from_stripe


def read_snapshots(source: Source, *, as_of: date | None = None, name: str = "snapshots") -> Snapshots:
    """Snapshots from a snapshot table or a Stripe subscriptions export (detected by headers).
    `source` may be a Table already read (the retention tool reads once to tell its inputs apart).

    With `as_of`, months after the as-of month are dropped (Stripe: measured at as-of)."""
    table = read_table(source, name=name)
    if not len(table):
        raise InputError("has a header but no data rows", file=table.file)
    if is_stripe_table(table):
        return snapshots_from_stripe(table, as_of=as_of)
    snaps = snapshots_from_table(table)
    if as_of is not None:
        limit = month_of_day(as_of)
        if limit < snaps.first:
            raise InputError(f"--as-of {as_of} is before the first snapshot month "
                             f"{month_label(snaps.first)}", file=snaps.file)
        if limit < snaps.last:
            snaps = snaps.until(month_label(limit))
    return snaps
