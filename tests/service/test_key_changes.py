"""Key changes made by another process take effect at the serving process's next signature.

The HTTP client talks to the app's own Runtime; rotation and compromise go through the
`runtime` fixture, a second Runtime on the same database, as the command line or another
replica would. Nothing is cached per process that could make the app sign with the old keys.
"""

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from openbadges.proofs.jwt import decode_jwt_unverified
from service.domain.credentials.awards import CompletionRequest, KeysChanged
from service.domain.credentials.credentials import build_credential, sign_both_ways
from service.domain.demo import ISSUER_SLUG
from service.pipelines.issuance import issue_completion
from service.runtime import Runtime
from tests.service.conftest import Getter, operator
from tests.service.domain.test_awards import _draft, a_completion, platform  # noqa: F401
from tests.service.factories import completion


async def _issue(client: httpx.AsyncClient, access: str, external_id: str) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/completions",
        json=completion(external_id),
        headers={"Authorization": f"Bearer {access}"},
    )
    assert response.status_code == 201, response.text
    issued: dict[str, Any] = response.json()
    return issued


def _keys(issued: dict[str, Any]) -> tuple[str, str]:
    """The Data Integrity verification method and the JWT's kid."""
    return (
        issued["credential"]["proof"][0]["verificationMethod"],
        decode_jwt_unverified(issued["jwt"])[0]["kid"],
    )


async def _verdict(client: httpx.AsyncClient, issued: dict[str, Any]) -> list[str]:
    verdicts = []
    for body in ({"credential": issued["credential"]}, {"jwt": issued["jwt"]}):
        report = (await client.post("/api/v1/verifications", json=body)).json()
        verdicts.append(report["verdict"])
    return verdicts


async def test_a_rotation_elsewhere_is_used_by_the_next_signature(
    client: httpx.AsyncClient, token: Getter, runtime: Runtime, session: AsyncSession
) -> None:
    access = await token()
    before = await _issue(client, access, "avant")  # the serving process has used the keys
    rotated = await operator(session, runtime).keys.rotate(ISSUER_SLUG, actor="cli")
    await session.commit()
    after = await _issue(client, access, "apres")

    assert _keys(before) != _keys(after)
    assert sorted(_keys(after)) == sorted(rotated)
    assert await _verdict(client, before) == await _verdict(client, after) == ["valid"] * 2


async def test_a_compromise_elsewhere_is_used_by_the_next_signature(
    client: httpx.AsyncClient, token: Getter, runtime: Runtime, session: AsyncSession
) -> None:
    access = await token()
    before = await _issue(client, access, "avant")
    compromised = [method.split("#")[1] for method in _keys(before)]
    for name in compromised:
        await operator(session, runtime).keys.compromise(
            ISSUER_SLUG, name, datetime.now(UTC), actor="cli"
        )
    await session.commit()
    after = await _issue(client, access, "apres")

    assert not {method.split("#")[1] for method in _keys(after)} & set(compromised)
    assert await _verdict(client, after) == ["valid", "valid"]


async def test_keys_retired_between_signing_and_storing_make_it_sign_again(
    runtime: Runtime,
    platform: Any,  # noqa: F811 - the fixture
    session: AsyncSession,
) -> None:
    request = CompletionRequest(a_completion("entre-deux"), None)
    draft = await _draft(runtime, platform, request)
    signed = sign_both_ways(build_credential(draft, runtime.urls), draft.issuer, draft.issued_at)
    await operator(session, runtime).keys.rotate(ISSUER_SLUG, actor="cli")
    await session.commit()

    with pytest.raises(KeysChanged):
        async with runtime.write(platform) as unit:
            await unit.awards.store(request, draft, signed)
    award = await issue_completion(runtime, platform, request.completion)

    assert award.document["proof"][0]["verificationMethod"].endswith("#key-ed25519-2")
    assert decode_jwt_unverified(award.jwt)[0]["kid"].endswith("#key-rsa-2")
