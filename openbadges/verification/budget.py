"""How much one verification may do: documents fetched, status entries, keys tried, time.

A credential is untrusted input: 300 status entries or an issuer listing 200 keys must not
turn one verification into hundreds of requests. The library never fetches, so the caller's
resolver spends ``fetches`` (and reports ``time`` when its deadline passes); the pipeline caps
status entries per credential and keys tried per signed document. Whatever ran out becomes a
``budget`` check, and the verdict is "unverifiable": nothing was learnt about the rest.
"""

from dataclasses import dataclass, field
from typing import Literal

from openbadges.errors import BudgetExhausted
from openbadges.verification.report import Check

__all__ = ["Budget", "Limit"]

Limit = Literal["fetches", "status-entries", "keys", "time"]


@dataclass
class Budget:
    """The allowance of one verification, and what ran out (shared with nested checks).

    Attributes:
        max_fetches: documents the resolver may fetch over the network.
        max_status_entries: ``credentialStatus`` entries checked per credential.
        max_keys: keys (proofs, or an issuer's verification methods) tried per document.
    """

    max_fetches: int = 20
    max_status_entries: int = 10
    max_keys: int = 10
    fetches: int = 0
    ran_out: dict[Limit, Check] = field(default_factory=dict)

    def spend_fetch(self) -> None:
        """Count one network fetch; raises `BudgetExhausted` when none is left."""
        if self.fetches >= self.max_fetches:
            raise self.exhaust(
                "fetches",
                f"stopped after {self.max_fetches} documents fetched",
                self.max_fetches,
            )
        self.fetches += 1

    def exhaust(self, limit: Limit, reason: str, maximum: float) -> BudgetExhausted:
        """Record that `limit` ran out; returns the error for the caller to raise."""
        self.ran_out.setdefault(
            limit, Check("budget", "failed", reason, {"limit": limit, "max": maximum}, "budget")
        )
        return BudgetExhausted(f"the verification budget ran out: {reason}", limit)

    def checks_since(self, seen: int) -> tuple[Check, ...]:
        """The ``budget`` checks recorded after the first `seen` ones."""
        return tuple(self.ran_out.values())[seen:]
