"""Open Badges 2.0 (hosted, signed and baked assertions), verified through the resolver."""

from openbadges.ob2.assertions import is_ob2, verify_ob2
from openbadges.ob2.baked import extract_ob2

__all__ = ["extract_ob2", "is_ob2", "verify_ob2"]
