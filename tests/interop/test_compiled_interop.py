"""The compiled canonical form against Digital Bazaar's canonicaliser (jsonld.canonize)."""

import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings

from openbadges.compiled import canonicalize_compiled
from tests.interop.dbstack import DbStack
from tests.openbadges.credential_strategies import (
    EXAMPLES,
    credentials,
    proof_options,
    status_list_credentials,
)

METHOD = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK#key-1"
CREATED = "2026-11-21T17:00:00Z"
DIFFERENTIAL = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def assert_same_as_digital_bazaar(dbstack: DbStack, document: dict[str, Any]) -> None:
    options = proof_options(METHOD, CREATED)
    compiled = canonicalize_compiled(document, options)
    if compiled is None:  # lookalike blank nodes: the general path's business
        return
    assert compiled[1] == dbstack.canonize(document)
    assert compiled[2] == dbstack.canonize({"@context": document["@context"], **options})


@DIFFERENTIAL
@given(credential=credentials())
def test_generated_credentials_match_digital_bazaar(
    dbstack: DbStack, credential: dict[str, Any]
) -> None:
    assert_same_as_digital_bazaar(dbstack, credential)


@DIFFERENTIAL
@given(credential=status_list_credentials())
def test_generated_status_lists_match_digital_bazaar(
    dbstack: DbStack, credential: dict[str, Any]
) -> None:
    assert_same_as_digital_bazaar(dbstack, credential)


def test_1edtech_vector_matches_digital_bazaar(dbstack: DbStack, shared: Path) -> None:
    document = json.loads((shared / "vc-test-vectors/1edtech-ob30/unsigned.json").read_text())
    compiled = canonicalize_compiled(document, None)

    assert compiled is not None
    assert compiled[1] == dbstack.canonize(document)
