import asyncio
import base64
import copy
import hashlib
import hmac
import io
import json as jsonlib
import time
from collections import Counter
from collections.abc import Awaitable
from datetime import timedelta
from pathlib import Path
from typing import Any

import jwt
import png
import pytest
from cryptography.hazmat.primitives import serialization

from openbadges.baking import bake
from openbadges.dids import did_jwk
from openbadges.errors import InvalidDocument
from openbadges.identity import hash_identity
from openbadges.jsontypes import dumps
from openbadges.keys import KeyPair, generate_key_pair, public_jwk
from openbadges.offload import INLINE_BYTES, INLINE_STATEMENTS
from openbadges.proofs.jwt import sign_jwt
from openbadges.resolver import StaticResolver
from openbadges.schema import SchemaValidator
from openbadges.signing import sign_credential
from openbadges.status import StatusPurpose, status_entry
from openbadges.verification import CHECK_CODES, VerificationResult, verify
from tests.openbadges.verification.conftest import ISSUER, NOW, STATUS_URL, Issuer
from tests.threads import slow_steps, worker_threads


def statuses(result: VerificationResult) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for check in result.checks:
        found.setdefault(check.code, []).append(check.status)
    return found


def failed(result: VerificationResult) -> set[str]:
    return {check.code for check in result.checks if check.status == "failed"}


async def test_valid_credential_passes_every_check(issuer: Issuer) -> None:
    result = await verify(issuer.sign(issuer.credential()), resolver=issuer.resolver(), now=NOW)

    assert result.verified, result.to_json()
    expected = {
        code: ["passed"]
        for code in CHECK_CODES
        if code not in ("recipient", "hosted", "embedded", "canonicalization", "budget")
    }
    assert statuses(result) == expected
    assert {check.code for check in result.checks} <= set(CHECK_CODES)


def set_in(document: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    for step in path[:-1]:
        document = document[step]
    document[path[-1]] = value


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("credentialSubject", "achievement", "name"), "Leadership pédagonumérique 2"),
        (("credentialSubject", "identifier", 0, "salt"), "autre-sel"),
        (("issuer", "name"), "Un autre réseau"),
        (("validFrom",), "2026-01-01T00:00:00Z"),
        (("evidence", 0, "narrative"), "Une autre réponse."),
        (("proof", "created"), "2026-11-21T17:00:01Z"),
        (("proof", "cryptosuite"), "eddsa-2022"),
    ],
)
async def test_tampering_fails_the_proof(issuer: Issuer, path: tuple[Any, ...], value: Any) -> None:
    signed = issuer.sign(issuer.credential())
    set_in(signed, path, value)

    result = await verify(signed, resolver=issuer.resolver(), now=NOW)

    assert not result.verified
    assert "proof" in failed(result)


async def test_tampered_proof_value_fails(issuer: Issuer) -> None:
    signed = issuer.sign(issuer.credential())
    signed["proof"]["proofValue"] = signed["proof"]["proofValue"][:-4] + "abcd"

    assert "proof" in failed(await verify(signed, resolver=issuer.resolver(), now=NOW))


async def test_wrong_purpose_fails(issuer: Issuer) -> None:
    signed = issuer.sign(issuer.credential())
    signed["proof"]["proofPurpose"] = "authentication"

    assert "proof" in failed(await verify(signed, resolver=issuer.resolver(), now=NOW))


async def test_key_of_someone_else_fails_the_binding(issuer: Issuer) -> None:
    stranger = generate_key_pair()  # a did:key the issuer does not control
    signed = issuer.sign(issuer.credential(), key=stranger)

    result = await verify(signed, resolver=issuer.resolver(), now=NOW)

    assert statuses(result)["proof"] == ["passed"]
    assert "issuer-key" in failed(result)


async def test_key_not_listed_as_assertion_method_fails(issuer: Issuer) -> None:
    issuer.documents[ISSUER]["assertionMethod"] = []

    result = await verify(issuer.sign(issuer.credential()), resolver=issuer.resolver(), now=NOW)

    assert "issuer-key" in failed(result)


async def test_unresolvable_key_fails(issuer: Issuer) -> None:
    signed = issuer.sign(issuer.credential())

    result = await verify(signed, resolver=StaticResolver({}), now=NOW)

    assert statuses(result)["issuer-key"] == ["failed"]
    assert statuses(result)["proof"] == ["skipped"]


async def test_expired_and_not_yet_valid(issuer: Issuer) -> None:
    signed = issuer.sign(issuer.credential(validUntil="2026-12-31T23:59:59Z"))

    later = await verify(signed, resolver=issuer.resolver(), now=NOW + timedelta(days=60))
    earlier = await verify(signed, resolver=issuer.resolver(), now=NOW - timedelta(days=30))

    assert failed(later) == {"valid-until"}
    assert failed(earlier) == {"valid-from"}


@pytest.mark.parametrize(
    ("purpose", "message"), [("revocation", "revoked"), ("suspension", "suspended")]
)
async def test_revoked_and_suspended(issuer: Issuer, purpose: StatusPurpose, message: str) -> None:
    credential = issuer.credential(
        credentialStatus=status_entry("https://insigne.example/status/1", 42, purpose)
    )
    issuer.status.set(42)
    unsigned = copy.deepcopy(issuer.documents["https://insigne.example/status/1"])
    del unsigned["proof"]
    unsigned["credentialSubject"]["statusPurpose"] = purpose
    unsigned["credentialSubject"]["encodedList"] = issuer.status.encode()
    issuer.documents["https://insigne.example/status/1"] = issuer.sign(unsigned)

    result = await verify(issuer.sign(credential), resolver=issuer.resolver(), now=NOW)

    assert failed(result) == {"status"}
    assert [c.message for c in result.checks if c.code == "status"] == [message]


async def test_status_list_changed_after_signing_fails(issuer: Issuer) -> None:
    issuer.status.set(7)  # the list's proof no longer covers its content
    issuer.documents["https://insigne.example/status/1"]["credentialSubject"]["encodedList"] = (
        issuer.status.encode()
    )

    assert failed(
        await verify(issuer.sign(issuer.credential()), resolver=issuer.resolver(), now=NOW)
    ) == {"status"}


async def test_undefined_term_fails_though_the_signature_holds(issuer: Issuer) -> None:
    signed = issuer.sign(issuer.credential())
    signed["credentialSubject"]["noteSecrete"] = "ajoutée après la signature"  # JSON-LD drops it

    result = await verify(signed, resolver=issuer.resolver(), now=NOW)

    assert statuses(result)["proof"] == ["passed"]
    assert failed(result) == {"jsonld-terms"}


async def test_unknown_context_fails(issuer: Issuer) -> None:
    signed = issuer.sign(issuer.credential())
    signed["@context"].append("https://evil.example/context.json")

    result = await verify(signed, resolver=issuer.resolver(), now=NOW)

    assert {"jsonld-terms", "proof"} <= failed(result)


@pytest.mark.parametrize("data", [b"{not json", b"", "[]", b"\x89PNG\r\n\x1a\n", "a.b"])
async def test_malformed_input_is_a_failed_format_check(issuer: Issuer, data: Any) -> None:
    result = await verify(data, resolver=issuer.resolver(), now=NOW)

    assert not result.verified
    assert result.checks[0].code == "format" or "proof" in failed(result)


async def test_missing_proof_fails(issuer: Issuer) -> None:
    result = await verify(issuer.credential(), resolver=issuer.resolver(), now=NOW)

    assert statuses(result)["proof"] == ["failed"]


async def test_recipient_is_matched_against_the_hashed_email(issuer: Issuer) -> None:
    identity = hash_identity("Marie.Tremblay@exemple.qc.ca")
    credential = issuer.credential()
    credential["credentialSubject"]["identifier"] = [identity]
    signed = issuer.sign(credential)

    right = await verify(
        signed, resolver=issuer.resolver(), now=NOW, recipient="Marie.Tremblay@exemple.qc.ca"
    )
    wrong = await verify(
        signed, resolver=issuer.resolver(), now=NOW, recipient="jean@exemple.qc.ca"
    )

    assert right.verified
    assert failed(wrong) == {"recipient"}


async def test_baked_png_verifies(issuer: Issuer) -> None:
    buffer = io.BytesIO()
    png.Writer(2, 2, greyscale=True).write(buffer, [[0, 255], [255, 0]])
    baked = bake(buffer.getvalue(), issuer.sign(issuer.credential()))

    result = await verify(baked, resolver=issuer.resolver(), now=NOW)

    assert result.verified
    assert "baked image" in result.checks[0].message


async def test_jwt_credential_verifies_and_binds_to_the_issuer(issuer: Issuer) -> None:
    rsa = generate_key_pair("rsa", controller=ISSUER, vm_id=f"{ISSUER}#key-rsa")
    issuer.documents[ISSUER]["verificationMethod"].append(rsa.verification_method())
    issuer.documents[ISSUER]["assertionMethod"].append(rsa.id)

    result = await verify(sign_jwt(issuer.credential(), rsa), resolver=issuer.resolver(), now=NOW)

    assert result.verified, result.to_json()
    assert result.format == "jwt"


async def test_jwt_alg_none_and_hs256_confusion_fail(issuer: Issuer) -> None:
    rsa = generate_key_pair("rsa", controller=ISSUER, vm_id=f"{ISSUER}#key-rsa")
    issuer.documents[ISSUER]["verificationMethod"].append(rsa.verification_method())
    payload = {**issuer.credential(), "iss": ISSUER}

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    head = b64(jsonlib.dumps({"alg": "none", "kid": rsa.id, "typ": "JWT"}).encode())
    unsigned = f"{head}.{b64(dumps(payload))}."
    pem = rsa.public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )

    head = b64(jsonlib.dumps({"alg": "HS256", "kid": rsa.id, "typ": "JWT"}).encode())
    body = b64(dumps(payload))
    forged = f"{head}.{body}." + b64(
        hmac.new(pem, f"{head}.{body}".encode(), hashlib.sha256).digest()
    )

    for token in (unsigned, forged):
        result = await verify(token, resolver=issuer.resolver(), now=NOW)
        assert "proof" in failed(result)


async def test_1edtech_schema_is_checked_when_given(issuer: Issuer, shared: Path) -> None:
    schema = SchemaValidator.from_file(
        shared / "ob-examples/ob_v3p0_achievementcredential_schema.json"
    )
    good = sign_credential(issuer.credential(), issuer.key, created=NOW)  # proof as an array
    bad = sign_credential(issuer.credential(name=["pas", "une", "chaîne"]), issuer.key, created=NOW)

    passed = await verify(good, resolver=issuer.resolver(), now=NOW, schema=schema)
    failing = await verify(bad, resolver=issuer.resolver(), now=NOW, schema=schema)

    assert statuses(passed)["schema"] == ["passed"]
    assert failed(failing) == {"schema"}
    (check,) = [c for c in failing.checks if c.code == "schema"]
    assert any(error.startswith("name") for error in check.detail["errors"])


def test_invalid_schema_is_refused() -> None:
    with pytest.raises(InvalidDocument):
        SchemaValidator({"type": 12})


def knows_clique(size: int) -> list[dict[str, Any]]:
    knows = "https://example.org/vocab#knows"
    return [
        {"@id": f"_:n{i}", knows: [{"@id": f"_:n{j}"} for j in range(size) if j != i]}
        for i in range(size)
    ]


@pytest.mark.parametrize("size", [8, 12])
async def test_blank_node_clique_with_a_bad_proof_is_refused_within_a_second(
    issuer: Issuer, size: int
) -> None:
    signed = issuer.sign(issuer.credential())
    signed["evidence"] = knows_clique(size)  # the proof no longer matches
    started = time.process_time()

    result = await verify(signed, resolver=issuer.resolver(), now=NOW)

    assert time.process_time() - started < 1
    assert "canonicalization" in failed(result)
    assert statuses(result)["proof"] == ["skipped"]
    (check,) = [c for c in result.checks if c.code == "canonicalization"]
    assert "refused" in check.message


async def with_loop_turns(work: Awaitable[VerificationResult]) -> tuple[VerificationResult, int]:
    """`work`'s result, and how often the event loop turned meanwhile: never while it is held."""
    turns = 0

    async def tick() -> None:
        nonlocal turns
        while True:
            await asyncio.sleep(0.001)
            turns += 1

    ticking = asyncio.create_task(tick())
    await asyncio.sleep(0.005)
    before = turns
    try:
        result = await work
    finally:
        ticking.cancel()
    return result, turns - before


@pytest.mark.parametrize("form", ["json-ld", "jwt"])
async def test_a_document_off_the_compiled_path_is_canonicalised_out_of_the_event_loop(
    issuer: Issuer, form: str
) -> None:
    # pyld's metered canonicalisation may take half a second of CPU: every other request of
    # the process would wait for it. The loop keeps turning while a worker thread does it.
    rsa = generate_key_pair("rsa", controller=ISSUER, vm_id=f"{ISSUER}#key-rsa")
    issuer.documents[ISSUER]["verificationMethod"].append(rsa.verification_method())
    issuer.documents[ISSUER]["assertionMethod"].append(rsa.id)
    credential = issuer.credential()
    if form == "jwt":
        credential["evidence"] = knows_clique(12)
        signed: dict[str, Any] | str = sign_jwt(credential, rsa)
    else:
        signed = issuer.sign(credential) | {"evidence": knows_clique(12)}

    result, turns = await with_loop_turns(verify(signed, resolver=issuer.resolver(), now=NOW))

    assert "canonicalization" in failed(result)
    assert turns > 0


async def test_a_large_document_is_canonicalised_out_of_the_event_loop(issuer: Issuer) -> None:
    # A record of many badges compiles at about 5 µs a statement: seconds in the event loop.
    credential = issuer.credential()
    credential["evidence"] = [
        {"id": f"https://insigne.example/evidence/{n}", "type": ["Evidence"], "name": f"N° {n}"}
        for n in range(INLINE_STATEMENTS // 2)
    ]
    signed = issuer.sign(credential)

    with slow_steps() as sent:
        async with worker_threads() as default_executor:
            result, turns = await with_loop_turns(
                verify(signed, resolver=issuer.resolver(), now=NOW)
            )

    assert result.verified, failed(result)
    assert turns > 0
    # The proof, then the checks' reading of every statement (as long again), on the library's
    # own threads: the default executor stays free for the process's other work.
    assert sent == Counter({"verify_with_suite": 1, "_read_signed": 1})
    assert default_executor == []


async def test_a_large_image_is_read_out_of_the_event_loop(issuer: Issuer) -> None:
    # An SVG of up to 16 MB is parsed as XML (about 80 ms a megabyte), once for OB 2.0 and
    # once for OB 3.0: seconds in the event loop.
    drawing = b'<svg xmlns="http://www.w3.org/2000/svg">' + b'<rect width="1" height="1"/>' * 5000
    baked = bake(drawing + b"</svg>", issuer.sign(issuer.credential()))
    assert len(baked) > INLINE_BYTES

    with slow_steps() as sent:
        result = await verify(baked, resolver=issuer.resolver(), now=NOW)

    assert result.verified, failed(result)
    assert sent == Counter({"as_ob2": 1, "_parse": 1})


async def test_an_ordinary_badge_is_canonicalised_in_the_caller_s_thread(issuer: Issuer) -> None:
    # A thread hop would cost more than the work: no worker thread for an ordinary badge.
    signed = issuer.sign(issuer.credential())

    with slow_steps() as sent:
        async with worker_threads() as ran:
            result = await verify(signed, resolver=issuer.resolver(), now=NOW)

    assert result.verified, failed(result)
    assert sent == Counter()
    assert ran == []


async def test_blank_node_clique_in_a_jwt_is_refused(issuer: Issuer) -> None:
    rsa = generate_key_pair("rsa", controller=ISSUER, vm_id=f"{ISSUER}#key-rsa")
    issuer.documents[ISSUER]["verificationMethod"].append(rsa.verification_method())
    issuer.documents[ISSUER]["assertionMethod"].append(rsa.id)
    credential = issuer.credential()
    credential["evidence"] = knows_clique(12)

    result = await verify(sign_jwt(credential, rsa), resolver=issuer.resolver(), now=NOW)

    assert failed(result) == {"canonicalization"}


def jwt_with_embedded_jwk(credential: dict[str, Any], key: KeyPair) -> str:
    """A VC-JWT whose header carries the key itself (``jwk``) and no ``kid``."""
    payload = {**credential, "iss": credential["issuer"]["id"]}
    headers = {"jwk": public_jwk(key.public_key), "typ": "JWT"}
    return jwt.encode(payload, key.private_key, algorithm="EdDSA", headers=headers)


async def test_jwt_claiming_an_issuer_with_a_foreign_jwk_fails_the_issuer_key(
    issuer: Issuer,
) -> None:
    stranger = generate_key_pair()
    token = jwt_with_embedded_jwk(issuer.credential(), stranger)

    result = await verify(token, resolver=issuer.resolver(), now=NOW)

    assert statuses(result)["proof"] == ["passed"]
    assert failed(result) == {"issuer-key"}


async def test_jwt_jwk_whose_issuer_document_is_unreachable_is_unverifiable(
    issuer: Issuer,
) -> None:
    token = jwt_with_embedded_jwk(issuer.credential(), issuer.key)
    del issuer.documents[ISSUER]  # the issuer's site does not answer (nor its status list's)

    result = await verify(token, resolver=issuer.resolver(), now=NOW)

    assert statuses(result)["proof"] == ["passed"]
    assert failed(result) == {"issuer-key", "status"}
    assert {c.cause for c in result.checks if c.status == "failed"} == {"unreachable"}
    assert (result.verdict, result.verdict_check and result.verdict_check.cause) == (
        "unverifiable",
        "unreachable",
    )


async def test_jwt_jwk_listed_by_the_issuer_verifies(issuer: Issuer) -> None:
    token = jwt_with_embedded_jwk(issuer.credential(), issuer.key)

    result = await verify(token, resolver=issuer.resolver(), now=NOW)

    assert result.verified, result.to_json()


async def test_jwt_jwk_of_a_did_jwk_issuer_verifies(issuer: Issuer) -> None:
    key = generate_key_pair()
    did = did_jwk(public_jwk(key.public_key))
    credential = issuer.credential()
    credential["issuer"]["id"] = did
    del credential["credentialStatus"]

    result = await verify(
        jwt_with_embedded_jwk(credential, key), resolver=issuer.resolver(), now=NOW
    )
    stolen = await verify(
        jwt_with_embedded_jwk(credential, generate_key_pair()), resolver=issuer.resolver(), now=NOW
    )

    assert result.verified, result.to_json()
    assert failed(stolen) == {"issuer-key"}


@pytest.mark.parametrize(("is_revoked", "message"), [(False, "not revoked"), (True, "revoked")])
async def test_status_list_published_as_a_jwt_is_verified_and_read(
    issuer: Issuer, is_revoked: bool, message: str
) -> None:
    if is_revoked:
        issuer.status.set(42)
    issuer.publish_status(is_jwt=True)

    result = await verify(issuer.sign(issuer.credential()), resolver=issuer.resolver(), now=NOW)

    assert [c.message for c in result.checks if c.code == "status"] == [message]
    assert result.verified is not is_revoked


async def test_status_list_jwt_that_does_not_verify_fails_the_status(issuer: Issuer) -> None:
    issuer.publish_status(is_jwt=True)
    header, payload, signature = issuer.documents[STATUS_URL].split(".")
    issuer.documents[STATUS_URL] = f"{header}.{payload}.{signature[:-6]}AAAAAA"

    result = await verify(issuer.sign(issuer.credential()), resolver=issuer.resolver(), now=NOW)

    assert failed(result) == {"status"}
    (check,) = [c for c in result.checks if c.code == "status"]
    assert check.message == "the status list credential does not verify"


@pytest.mark.parametrize("document", ["pas un jeton", "a.b.c"])
async def test_status_list_that_is_not_a_credential_fails_the_status(
    issuer: Issuer, document: str
) -> None:
    issuer.documents[STATUS_URL] = document

    result = await verify(issuer.sign(issuer.credential()), resolver=issuer.resolver(), now=NOW)

    assert failed(result) == {"status"}
