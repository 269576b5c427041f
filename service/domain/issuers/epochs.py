"""An issuer's published epoch, and the own documents a verifier keeps by it.

What an issuer publishes (its DID document, made from its keys, and its signed status lists)
changes only with its keys and lists; migration 0017's triggers bump `issuers.published_epoch`
in the same transaction as any such change. Reading the epoch first, a verifier may reuse
what it built at that epoch, and read nothing else for an own badge.
"""

import uuid
from collections import OrderedDict
from typing import Any

from sqlalchemy import bindparam, select

from service.db.inserts import table_of
from service.db.tables import IssuerRecord

Epoch = tuple[uuid.UUID, int]
"""An issuer (its id) and its published epoch: what it publishes is unchanged while it is."""

_ISSUERS = table_of(IssuerRecord)
# The issuer's id and epoch, by the slug a document's URL names (migration 0017's triggers).
EPOCH_ID = select(_ISSUERS.c.id).where(_ISSUERS.c.slug == bindparam("slug")).scalar_subquery()
EPOCH = (
    select(_ISSUERS.c.published_epoch).where(_ISSUERS.c.slug == bindparam("slug")).scalar_subquery()
)
EPOCH_BY_SLUG = select(EPOCH_ID.label("issuer_id"), EPOCH.label("epoch"))


def epoch_of(issuer_id: object, epoch: object) -> Epoch | None:
    """An epoch from the two columns above (None when the slug named no issuer)."""
    if not isinstance(issuer_id, uuid.UUID) or not isinstance(epoch, int):
        return None
    return issuer_id, epoch


class PublishedDocuments:
    """Own DID documents and status lists as built at an issuer's published epoch: one per process.

    Never stale: a verifier reads the issuer's epoch first, in the statement that admits its
    caller, and looks documents up by it. The database bumps the epoch in the same
    transaction as any change to the issuer's keys or lists, and a document built after the
    epoch was read is never older than it, so a document kept under an epoch is the one
    published at that epoch (or newer). Callers never change what they are handed (the
    verifier's resolver copies each document it gives out).

    One entry per address, at the newest epoch seen for it (as `PublishedLists` keeps one
    version per list): every revocation moves an issuer's epoch, and entries kept by epoch
    would push other issuers' documents out of the bound.
    """

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._documents: OrderedDict[str, tuple[Epoch, dict[str, Any]]] = OrderedDict()

    def recall(self, url: str, epoch: Epoch) -> dict[str, Any] | None:
        found = self._documents.get(url)
        if found is None or found[0] != epoch:
            return None
        self._documents.move_to_end(url)
        return found[1]

    def remember(self, url: str, epoch: Epoch, document: dict[str, Any]) -> None:
        kept = self._documents.get(url)
        if kept is not None and kept[0][0] == epoch[0] and kept[0][1] > epoch[1]:
            return  # a verifier that read the epoch before a change: keep the newer one
        self._documents[url] = (epoch, document)
        self._documents.move_to_end(url)
        while len(self._documents) > self._size:
            self._documents.popitem(last=False)

    def clear(self) -> None:
        self._documents.clear()
