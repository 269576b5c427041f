"""`PublishedDocuments`: one entry per own document, whatever its issuer's epoch does.

Every revocation moves an issuer's epoch. Kept by (address, epoch), each move added entries
and pushed other issuers' documents out of the shared bound: one tenant revoking and
verifying made every other tenant's verifications read and build their documents again.
"""

import uuid

from service.domain.issuers.epochs import PublishedDocuments

BUSY, QUIET = uuid.uuid4(), uuid.uuid4()
BUSY_LIST = "https://insigne.example/status-lists/busy"
QUIET_DID = "https://insigne.example/issuers/quiet/did.json"


def test_an_issuer_s_moving_epoch_never_pushes_another_s_documents_out() -> None:
    kept = PublishedDocuments(size=2)
    kept.remember(QUIET_DID, (QUIET, 1), {"id": "quiet"})

    for epoch in range(1, 50):  # a revocation, then a verification, again and again
        kept.remember(BUSY_LIST, (BUSY, epoch), {"epoch": epoch})

    assert kept.recall(QUIET_DID, (QUIET, 1)) == {"id": "quiet"}
    assert kept.recall(BUSY_LIST, (BUSY, 49)) == {"epoch": 49}
    assert kept.recall(BUSY_LIST, (BUSY, 48)) is None  # never an older epoch's


def test_a_verifier_still_at_an_older_epoch_does_not_replace_a_newer_document() -> None:
    kept = PublishedDocuments()
    kept.remember(BUSY_LIST, (BUSY, 7), {"epoch": 7})

    kept.remember(BUSY_LIST, (BUSY, 6), {"epoch": 6})  # read its epoch before the change

    assert kept.recall(BUSY_LIST, (BUSY, 7)) == {"epoch": 7}
    assert kept.recall(BUSY_LIST, (BUSY, 6)) is None


def test_an_issuer_made_again_under_the_same_address_replaces_the_old_one_s() -> None:
    kept = PublishedDocuments()
    kept.remember(QUIET_DID, (QUIET, 9), {"id": "old"})
    again = uuid.uuid4()

    kept.remember(QUIET_DID, (again, 0), {"id": "new"})

    assert kept.recall(QUIET_DID, (again, 0)) == {"id": "new"}
    assert kept.recall(QUIET_DID, (QUIET, 9)) is None
