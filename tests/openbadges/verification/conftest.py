import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from openbadges.contexts import ContextLoader
from openbadges.dids import controller_document
from openbadges.keys import KeyPair, generate_key_pair
from openbadges.proofs.eddsa_rdfc_2022 import create_proof
from openbadges.proofs.jwt import sign_jwt
from openbadges.resolver import StaticResolver
from openbadges.status import StatusList, status_entry, status_list_credential
from tests.factories import explorer_credential

ISSUER = "https://insigne.example/issuers/reseau"
STATUS_URL = "https://insigne.example/status/1"
NOW = datetime(2026, 11, 21, 17, 0, tzinfo=UTC)


class Issuer:
    """An https issuer with a controller document, a status list, and a signer."""

    def __init__(self) -> None:
        self.key = generate_key_pair(controller=ISSUER, vm_id=f"{ISSUER}#key-1")
        self.status = StatusList()
        self.documents: dict[str, Any] = {
            ISSUER: controller_document(ISSUER, [self.key.verification_method()])
        }
        self.publish_status()

    def sign(self, document: dict[str, Any], key: KeyPair | None = None) -> dict[str, Any]:
        proof = create_proof(document, key or self.key, loader=ContextLoader(), created=NOW)
        return {**document, "proof": proof}

    def credential(self, **changes: Any) -> dict[str, Any]:
        document = explorer_credential(ISSUER)
        document["credentialStatus"] = status_entry(STATUS_URL, 42, "revocation")
        document.update(changes)
        return document

    def publish_status(self, *, is_jwt: bool = False) -> None:
        unsigned = status_list_credential(
            id=STATUS_URL,
            issuer=ISSUER,
            purpose="revocation",
            status_list=self.status,
            valid_from="2026-01-01T00:00:00Z",
        )
        self.documents[STATUS_URL] = sign_jwt(unsigned, self.key) if is_jwt else self.sign(unsigned)

    def resolver(self) -> StaticResolver:
        return StaticResolver(self.documents)


@pytest.fixture
def issuer() -> Issuer:
    return Issuer()


def read(path: Path) -> Any:
    return json.loads(path.read_text())
