"""Wallet pickups through the app: offers, the VC-API exchange, OID4VCI, and every refusal.

The independent clients (LCW's algorithm with the DCC's libraries, the Credo stack's
OID4VCI client) run against a served process in tests/wallet; here the app answers through
its ASGI interface, on both databases, and each refusal is checked for its status and body.
"""

import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.tables import AuditEventRecord, CredentialRecord, WalletExchangeRecord
from tests.service.conftest import PUBLIC_URL, Getter
from tests.service.test_badge_pages import issue, path
from tests.service.wallet_holder import holder_key, presentation
from tests.threads import slow_steps

DOMAIN = urlsplit(PUBLIC_URL).netloc
PRE_AUTHORIZED = "urn:ietf:params:oauth:grant-type:pre-authorized_code"


@pytest.fixture
async def issued(client: httpx.AsyncClient, token: Getter) -> dict[str, Any]:
    return await issue(client, token)


async def offer(client: httpx.AsyncClient, token: Getter, credential_id: str) -> dict[str, Any]:
    response = await client.post(
        f"/api/v1/credentials/{credential_id}/wallet-offer",
        headers={"Authorization": f"Bearer {await token()}"},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def protocols(client: httpx.AsyncClient, made: dict[str, Any]) -> dict[str, str]:
    response = await client.get(
        path(made["interactionUrl"]), headers={"Accept": "application/json"}
    )
    assert response.status_code == 200, response.text
    found: dict[str, str] = response.json()["protocols"]
    return found


async def challenge_of(client: httpx.AsyncClient, exchange: str) -> dict[str, Any]:
    response = await client.post(path(exchange), json={})
    assert response.status_code == 200, response.text
    request: dict[str, Any] = response.json()["verifiablePresentationRequest"]
    return request


def offer_uri(made: dict[str, Any]) -> str:
    query = urlsplit(made["credentialOffer"]).query
    return str(parse_qs(query)["credential_offer_uri"][0])


async def stored(session: AsyncSession, credential_id: str) -> bytes:
    text = await session.scalar(
        select(CredentialRecord.signed_json).where(CredentialRecord.id == uuid.UUID(credential_id))
    )
    assert text is not None
    return text.encode()


async def test_an_offer_gives_three_ways_in_and_nothing_else(
    client: httpx.AsyncClient, token: Getter, issued: dict[str, Any]
) -> None:
    made = await offer(client, token, issued["id"])
    found = await protocols(client, made)
    invitation = json.loads(unquote(made["lcwUrl"].split("request=", 1)[1]))

    assert sorted(made) == ["credentialOffer", "expiresAt", "interactionUrl", "lcwUrl"]
    assert made["interactionUrl"].startswith(PUBLIC_URL)
    assert made["interactionUrl"].endswith("?iuv=1")
    assert made["lcwUrl"].startswith("https://lcw.app/request?request=")
    assert invitation == {
        "credentialRequestOrigin": PUBLIC_URL,
        "protocols": {"vcapi": found["vcapi"]},
    }
    assert made["credentialOffer"].startswith("openid-credential-offer://?credential_offer_uri=")
    assert found["OID4VCI"] == made["credentialOffer"]
    expires = datetime.fromisoformat(made["expiresAt"])
    assert timedelta(minutes=1) < expires - datetime.now(UTC) <= timedelta(minutes=10)


async def test_offers_are_for_the_badge_s_platforms_only(
    client: httpx.AsyncClient, token: Getter, issued: dict[str, Any], make_client: Any
) -> None:
    stranger_id, stranger_secret = await make_client(scopes={"credentials:read"})
    stranger = await token(None, stranger_id, stranger_secret)
    url = f"/api/v1/credentials/{issued['id']}/wallet-offer"

    anonymous = await client.post(url)
    other = await client.post(url, headers={"Authorization": f"Bearer {stranger}"})
    unknown = await client.post(
        f"/api/v1/credentials/{uuid.uuid4()}/wallet-offer",
        headers={"Authorization": f"Bearer {await token()}"},
    )

    assert anonymous.status_code == 401
    assert other.status_code == 404
    assert unknown.status_code == 404
    assert other.headers["content-type"] == "application/problem+json"


async def test_the_vc_api_exchange_hands_over_the_stored_credential_byte_for_byte(
    client: httpx.AsyncClient, token: Getter, issued: dict[str, Any], session: AsyncSession
) -> None:
    made = await offer(client, token, issued["id"])
    exchange = (await protocols(client, made))["vcapi"]
    request = await challenge_of(client, exchange)
    again = await challenge_of(client, exchange)  # asked twice: the same challenge
    key = holder_key()

    answer = await client.post(
        path(exchange),
        json={
            "verifiablePresentation": presentation(
                key, challenge=request["challenge"], domain=request["domain"]
            )
        },
    )

    assert request["query"][0]["type"] == "DIDAuthentication"
    assert request["domain"] == DOMAIN
    assert again["challenge"] == request["challenge"]
    assert answer.status_code == 200, answer.text
    credential_bytes = await stored(session, issued["id"])
    assert b'"verifiableCredential":[' + credential_bytes + b"]" in answer.content
    body = answer.json()
    assert body["redirectUrl"] == issued["url"]
    assert (
        body["verifiablePresentation"]["verifiableCredential"][0]["id"]
        == issued["credential"]["id"]
    )
    events = (
        await session.scalars(
            select(AuditEventRecord).where(
                AuditEventRecord.subject == issued["id"],
                AuditEventRecord.action == "credential.collected",
            )
        )
    ).all()
    assert [e.detail for e in events] == [{"protocol": "vcapi", "holder": key.controller}]
    assert "@" not in json.dumps(events[0].detail)  # no e-mail in the audit trail


async def _challenged(
    client: httpx.AsyncClient, token: Getter, issued: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    made = await offer(client, token, issued["id"])
    exchange = (await protocols(client, made))["vcapi"]
    return exchange, await challenge_of(client, exchange)


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("challenge", "challenge"),
        ("domain", "domain"),
        ("other-key", "not the holder's"),
        ("purpose", "authentication"),
        ("tampered", "does not verify"),
        ("unsigned", "no proof"),
    ],
)
async def test_a_presentation_that_does_not_authenticate_the_holder_is_refused(
    client: httpx.AsyncClient, token: Getter, issued: dict[str, Any], case: str, reason: str
) -> None:
    exchange, request = await _challenged(client, token, issued)
    key = holder_key()
    challenge, domain = request["challenge"], request["domain"]
    if case == "challenge":
        sent = presentation(key, challenge=challenge + "x", domain=domain)
    elif case == "domain":
        sent = presentation(key, challenge=challenge, domain="evil.example")
    elif case == "other-key":  # signed by a key of its own, claiming another holder
        sent = presentation(key, challenge=challenge, domain=domain, holder=holder_key().controller)
    elif case == "purpose":
        sent = presentation(key, challenge=challenge, domain=domain)
        sent["proof"]["proofPurpose"] = "assertionMethod"
    elif case == "tampered":
        sent = presentation(key, challenge=challenge, domain=domain)
        sent["id"] = f"urn:uuid:{uuid.uuid4()}"  # a signed term, added after signing
    else:
        sent = presentation(key, challenge=challenge, domain=domain)
        del sent["proof"]

    refused = await client.post(path(exchange), json={"verifiablePresentation": sent})
    # The refusal spends nothing: the right presentation still collects the badge.
    right = presentation(key, challenge=challenge, domain=domain)
    collected = await client.post(path(exchange), json={"verifiablePresentation": right})

    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert reason in refused.json()["errors"][0]["message"]
    assert collected.status_code == 200, collected.text


async def test_a_presentation_off_the_compiled_path_is_checked_in_a_worker_thread(
    client: httpx.AsyncClient, token: Getter, issued: dict[str, Any]
) -> None:
    # Blank nodes that cannot be told apart: up to half a second of metered canonicalisation,
    # which must not hold the event loop (every other request of the process).
    exchange, request = await _challenged(client, token, issued)
    sent = presentation(holder_key(), challenge=request["challenge"], domain=request["domain"])
    knows = "https://example.org/vocab#knows"
    sent["https://example.org/vocab#clique"] = [
        {"@id": f"_:n{i}", knows: [{"@id": f"_:n{j}"} for j in range(12) if j != i]}
        for i in range(12)
    ]

    with slow_steps() as slow:
        refused = await client.post(path(exchange), json={"verifiablePresentation": sent})

    assert refused.status_code == 422, refused.text
    assert "does not verify" in refused.json()["errors"][0]["message"]
    assert slow == {"authenticate": 1}


async def test_an_exchange_is_collected_once(
    client: httpx.AsyncClient, token: Getter, issued: dict[str, Any]
) -> None:
    exchange, request = await _challenged(client, token, issued)
    sent = presentation(holder_key(), challenge=request["challenge"], domain=request["domain"])

    first = await client.post(path(exchange), json={"verifiablePresentation": sent})
    replayed = await client.post(path(exchange), json={"verifiablePresentation": sent})
    restarted = await client.post(path(exchange), json={})
    interaction = await client.get(path(exchange).replace("/exchanges/", "/interactions/"))

    assert first.status_code == 200
    assert [replayed.status_code, restarted.status_code, interaction.status_code] == [410, 410, 410]
    assert replayed.headers["content-type"] == "application/problem+json"


async def test_an_expired_exchange_is_gone(
    client: httpx.AsyncClient, token: Getter, issued: dict[str, Any], session: AsyncSession
) -> None:
    exchange, request = await _challenged(client, token, issued)
    await session.execute(
        update(WalletExchangeRecord)
        .where(WalletExchangeRecord.credential_id == uuid.UUID(issued["id"]))
        .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    )
    await session.commit()
    sent = presentation(holder_key(), challenge=request["challenge"], domain=request["domain"])

    late = await client.post(path(exchange), json={"verifiablePresentation": sent})
    unknown = await client.post(path(exchange)[:-3] + "abc", json={})

    assert late.status_code == 410, late.text
    assert "expired" in late.json()["detail"]
    assert unknown.status_code == 404


async def test_malformed_exchange_bodies_are_problems_not_errors(
    client: httpx.AsyncClient, token: Getter, issued: dict[str, Any]
) -> None:
    exchange, _ = await _challenged(client, token, issued)

    statuses = [
        (await client.post(path(exchange), content=body, headers=headers)).status_code
        for body, headers in [
            (b"[]", {"content-type": "application/json"}),
            (b"{", {"content-type": "application/json"}),
            (b"{}", {"content-type": "text/plain"}),
            (b'{"verifiablePresentation": 3}', {"content-type": "application/json"}),
            (
                b'{"verifiablePresentation": {"holder": "did:web:x"}}',
                {"content-type": "application/json"},
            ),
        ]
    ]

    assert statuses == [422, 400, 415, 422, 422]


# --- OID4VCI -----------------------------------------------------------------------------


async def _code(client: httpx.AsyncClient, made: dict[str, Any]) -> dict[str, Any]:
    response = await client.get(path(offer_uri(made)))
    assert response.status_code == 200, response.text
    grant: dict[str, Any] = response.json()["grants"][PRE_AUTHORIZED]
    return grant


async def _token(
    client: httpx.AsyncClient, code: str, tx_code: str | None = None
) -> httpx.Response:
    form = {"grant_type": PRE_AUTHORIZED, "pre-authorized_code": code}
    if tx_code is not None:
        form["tx_code"] = tx_code
    return await client.post("/wallet/token", data=form)


async def test_the_pre_authorized_code_flow_hands_over_the_stored_credential(
    client: httpx.AsyncClient, token: Getter, issued: dict[str, Any], session: AsyncSession
) -> None:
    metadata = (await client.get("/.well-known/openid-credential-issuer")).json()
    server = (await client.get("/.well-known/oauth-authorization-server")).json()
    made = await offer(client, token, issued["id"])
    grant = await _code(client, made)

    granted = await _token(client, grant["pre-authorized_code"])
    access = {"Authorization": f"Bearer {granted.json()['access_token']}"}
    answer = await client.post(
        "/wallet/credential",
        json={"credential_configuration_id": "OpenBadgeCredential_ldp_vc"},
        headers=access,
    )
    again = await client.post(
        "/wallet/credential",
        json={"credential_configuration_id": "OpenBadgeCredential_ldp_vc"},
        headers=access,
    )
    notified = await client.post(
        "/wallet/notification",
        json={"notification_id": answer.json()["notification_id"], "event": "credential_accepted"},
        headers=access,
    )
    code_again = await _token(client, grant["pre-authorized_code"])

    assert metadata["credential_issuer"] == PUBLIC_URL == server["issuer"]
    assert {d["locale"] for d in metadata["display"]} == {"fr", "en"}
    configuration = metadata["credential_configurations_supported"]["OpenBadgeCredential_ldp_vc"]
    assert configuration["format"] == "ldp_vc"
    assert "credential_metadata" in configuration
    assert "tx_code" not in grant
    assert granted.status_code == 200, granted.text
    assert granted.headers["cache-control"] == "no-store"
    assert answer.status_code == 200, answer.text
    assert (
        b'"credentials":[{"credential":' + await stored(session, issued["id"]) + b"}]"
        in answer.content
    )
    assert again.status_code == 401
    assert again.json()["error"] == "invalid_token"
    assert notified.status_code == 204
    assert code_again.status_code == 400
    assert code_again.json() == {
        "error": "invalid_grant",
        "error_description": "this pre-authorized code was already used",
    }


async def _earner_offer(client: httpx.AsyncClient, issued: dict[str, Any]) -> dict[str, str]:
    """The manage page's button, with a transaction code: what the page shows."""
    manage = path(issued["manageUrl"])
    page = await client.post(f"{manage}/wallet", data={"txCode": "on", "lang": "en"})
    assert page.status_code == 200, page.text
    found = dict(re.findall(r'data-wallet-([a-z-]+)="([^"]*)"', page.text))
    return {k: v.replace("&amp;", "&") for k, v in found.items()}


async def test_the_earner_s_page_offers_the_badge_with_a_qr_code_and_a_transaction_code(
    client: httpx.AsyncClient, issued: dict[str, Any]
) -> None:
    manage = path(issued["manageUrl"])
    page = await client.get(manage, headers={"Accept-Language": "fr"})
    made = await client.post(f"{manage}/wallet", data={"txCode": "on", "lang": "fr"})
    english = await client.post(f"{manage}/wallet", data={"lang": "en"})
    wrong = await client.post(f"{manage[:-4]}abcd/wallet", data={"lang": "fr"})

    assert manage + '/wallet"' in page.text
    assert made.status_code == 200
    assert made.headers["cache-control"] == "no-store"
    assert made.text.count("<svg") >= 2  # the QR codes, inline: the page loads nothing else
    assert "Code de transaction" in made.text
    assert re.search(r'data-wallet-tx-code="\d{6}"', made.text)
    assert "https://lcw.app/request?request=" in made.text
    assert "Add to your wallet" in english.text
    assert "data-wallet-tx-code" not in english.text
    assert wrong.status_code == 404


async def test_a_transaction_code_is_needed_and_locks_after_five_wrong_tries(
    client: httpx.AsyncClient, issued: dict[str, Any], session: AsyncSession
) -> None:
    shown = await _earner_offer(client, issued)
    grant = await _code(client, {"credentialOffer": shown["offer"]})
    code = grant["pre-authorized_code"]
    wrong = "000000" if shown["tx-code"] != "000000" else "111111"

    missing = await _token(client, code)
    tries = [await _token(client, code, wrong) for _ in range(5)]
    right_too_late = await _token(client, code, shown["tx-code"])
    failures = await session.scalar(
        select(WalletExchangeRecord.tx_failures).where(
            WalletExchangeRecord.credential_id == uuid.UUID(issued["id"])
        )
    )

    assert grant["tx_code"] == {
        "input_mode": "numeric",
        "length": 6,
        "description": grant["tx_code"]["description"],
    }
    assert missing.status_code == 400
    assert missing.json()["error"] == "invalid_request"
    assert [t.json()["error"] for t in tries] == ["invalid_grant"] * 5
    assert right_too_late.status_code == 400
    assert "locked" in right_too_late.json()["error_description"]
    assert failures == 5


async def test_a_right_transaction_code_gets_the_token(
    client: httpx.AsyncClient, issued: dict[str, Any]
) -> None:
    shown = await _earner_offer(client, issued)
    grant = await _code(client, {"credentialOffer": shown["offer"]})

    wrong = await _token(client, grant["pre-authorized_code"], "99999x")
    right = await _token(client, grant["pre-authorized_code"], shown["tx-code"])

    assert wrong.status_code == 400
    assert right.status_code == 200, right.text


async def test_oid4vci_refusals_are_oauth_errors(
    client: httpx.AsyncClient, token: Getter, issued: dict[str, Any]
) -> None:
    made = await offer(client, token, issued["id"])
    grant = await _code(client, made)
    access = (await _token(client, grant["pre-authorized_code"])).json()["access_token"]
    bearer = {"Authorization": f"Bearer {access}"}

    answers = [
        await _token(client, "not-a-code"),
        await client.post("/wallet/token", data={"grant_type": "password"}),
        await client.post(
            "/wallet/credential", json={"credential_configuration_id": "x"}, headers=bearer
        ),
        await client.post("/wallet/credential", json={}, headers={"Authorization": "Bearer nope"}),
        await client.post("/wallet/credential", content=b"{", headers=bearer),
        await client.post(
            "/wallet/notification",
            json={"notification_id": "x", "event": "credential_accepted"},
            headers=bearer,
        ),
        await client.get(path(offer_uri(made))),  # the code was used: the offer is gone
        await client.post(
            "/wallet/credential",
            json={
                "credential_configuration_id": "OpenBadgeCredential_ldp_vc",
                "proof": {"proof_type": "jwt", "jwt": "a.b.c"},
            },
            headers=bearer,
        ),
    ]

    assert [(a.status_code, a.json()["error"]) for a in answers] == [
        (400, "invalid_grant"),
        (400, "unsupported_grant_type"),
        (400, "unknown_credential_configuration"),
        (401, "invalid_token"),
        (400, "invalid_credential_request"),
        (400, "invalid_notification_id"),
        (404, "invalid_request"),
        (400, "invalid_proof"),
    ]
    assert all(a.status_code < 500 for a in answers)
