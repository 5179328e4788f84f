"""How one role asks another: `[INVOKE:role|question]`, with loop prevention.

A role may consult the other role in the pack. Roles outside the pack (CFO, CTO, …) are
referrals, never invocations. Chains are tracked so a call can never go back to a role already
in the chain (which also rules out self-invocation) and never deeper than two hops; a blocked
call becomes a stated assumption in the answer instead of a silent gap.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field

from csuite.fields import new_list
from csuite.roles import ROLES

PACK_ROLES = ROLES
MAX_DEPTH = 2
_INVOKE = re.compile(r"\[INVOKE:(?P<role>[A-Za-z_-]+)\|(?P<question>[^\]]+)\]")


class Invocation(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use: only an ask that consults a second role makes one

    role: str
    question: str


class InvocationOutcome(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use: only an ask that consults a second role makes one

    invocation: Invocation
    allowed: bool
    chain: list[str] = Field(default_factory=new_list)
    reason: str = ""

    @property
    def assumption(self) -> str:
        return (f"Assumed without the {self.invocation.role.upper()}'s view ({self.reason}): "
                f"\"{self.invocation.question}\" is left open.")


def parse_invocations(text: str) -> list[Invocation]:
    return [Invocation(role=m.group("role").lower(), question=m.group("question").strip())
            for m in _INVOKE.finditer(text)]


def strip_invocations(text: str) -> str:
    return _INVOKE.sub("", text).strip()


def check_invocation(invocation: Invocation, chain: list[str]) -> InvocationOutcome:
    """Decide one call given the chain of roles already answering (outermost first)."""
    caller = chain[-1] if chain else None
    if invocation.role not in PACK_ROLES:
        reason = f"{invocation.role.upper()} is not in this pack; refer the founder instead"
    elif invocation.role == caller:
        reason = "a role cannot invoke itself"
    elif invocation.role in chain:
        reason = f"circular call ({' → '.join(chain + [invocation.role])})"
    elif len(chain) >= MAX_DEPTH:
        reason = f"chain depth limit {MAX_DEPTH} reached ({' → '.join(chain)})"
    else:
        return InvocationOutcome(invocation=invocation, allowed=True, chain=chain + [invocation.role])
    return InvocationOutcome(invocation=invocation, allowed=False, chain=chain, reason=reason)
