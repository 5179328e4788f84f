"""What the parser understood of a founder's question, as the answer and the JSON report carry it.

Every field is what the question itself says, normalised: amounts in dollars, percentages as
fractions, counts with the noun they count, accounts and segments spelled as the data spells
them, the period as a `YYYY-Qn` label. Anything the question does not say is null or empty;
nothing is filled in from the context or the data here (the evidence stage does that, and says
so).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from csuite.knowledge.bilingual import Lang


class Count(BaseModel):
    """A whole number and the thing it counts: "hire 4 AEs" is {value: 4, of: "AE"}.

    `of` is a normalised noun: AE, SDR, CSM, SE, AM, rep, manager, leader, person, customer,
    account, deal, lead, entity, seat, user, day, week, month, quarter, year."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: int = Field(ge=0)
    of: str = Field(min_length=1)


class Understood(BaseModel):
    """The founder's question, read: what it asks (`decision`, a catalogue id) and the parameters
    it names. Lists keep the order the question states them ("NRR 96% → 110%" is [0.96, 1.1])."""

    model_config = ConfigDict(extra="forbid")

    language: Lang
    decision: str | None = None
    amounts: list[float] = Field(default_factory=list)       # dollars
    percentages: list[float] = Field(default_factory=list)   # fractions: 96% → 0.96
    counts: list[Count] = Field(default_factory=list)
    accounts: list[str] = Field(default_factory=list)        # names as the data spells them
    segments: list[str] = Field(default_factory=list)        # segment names as the data spells them
    period: str | None = None                                # "YYYY-Qn"
    target: float | None = None                              # the amount named as the goal, dollars

    def count_of(self, noun: str) -> int | None:
        """The first count of `noun` ("AE", "CSM"), or None when the question names none."""
        for count in self.counts:
            if count.of == noun:
                return count.value
        return None
