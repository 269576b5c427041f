"""What a fetch can answer besides a document: the publisher's word that it was withdrawn."""

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Gone:
    """A ``410 Gone`` answer and its JSON body (None when it had none or it was not JSON).

    Open Badges 2.0 (§Hosted verification) answers a revoked hosted assertion with 410 and a
    body such as ``{"id": …, "revoked": true, "revocationReason": …}``: that body is the
    issuer's statement, not a failure to fetch.
    """

    url: str
    body: Any = None
