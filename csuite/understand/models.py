"""What the parser understood of a founder's question, as the answer and the JSON report carry it.

Every field is what the question itself says, normalised: amounts in dollars, percentages as
fractions, counts with the noun they count, accounts and segments spelled as the data spells
them, the period as a `YYYY-Qn` label. Anything the question does not say is null or empty;
nothing is filled in from the context or the data here (the evidence stage does that, and says
so). The models live with the answer (`csuite.answer`), which carries them in its JSON.
"""

from __future__ import annotations

from csuite.answer import Count, Understood

__all__ = ["Count", "Understood"]
