"""Understand the question: what the founder asked, before any data is read.

Takes in the question text, the as-of date and fiscal calendar, and the account and segment
names found in the context and data files; gives out an `Understood` (language, the decision
asked as a catalogue id, amounts in dollars, percentages as fractions, counts with their noun,
accounts and segments as the data spells them, the period as `YYYY-Qn`, the target amount).
The decision catalogue (`skills/*/decisions.yaml`, loaded by `catalogue`) says what each
decision needs; later stages run it. Pure: no files besides the catalogue, no network.
"""

from csuite.understand.catalogue import (
    Catalogue,
    DecisionEntry,
    DecisionOption,
    load_catalogue,
)
from csuite.understand.models import Count, Understood
from csuite.understand.parse import understand

__all__ = ["Catalogue", "Count", "DecisionEntry", "DecisionOption", "Understood", "load_catalogue", "understand"]
