"""The advisors in this pack and the executives outside it that questions are referred to."""

from __future__ import annotations

from typing import Literal

Role = Literal["cro", "cco"]
Referral = Literal["cfo", "cto", "chro", "cmo", "ciso", "legal", "cpo", "other"]
ROLES: tuple[str, ...] = ("cro", "cco")
REFERRALS: tuple[str, ...] = ("cfo", "cto", "chro", "cmo", "ciso", "legal", "cpo", "other")
