"""Verifying Open Badges 2.0 assertions: hosted and signed, with revocation and recipient.

https://www.imsglobal.org/spec/ob/v2p0/#verification (OB 2.0 Final, 2018): a hosted assertion
is fetched at its ``id`` from the issuer's origin and that copy is authoritative (``410 Gone``
or ``"revoked": true`` means revoked); a signed one is a JWS whose ``verification.creator`` key
must be ``owner``-ed by the issuer and listed in the issuer's ``publicKey``. Both are checked
against the issuer's ``revocationList`` and the ``expires`` date. Every document comes from the
caller's resolver, so nothing is fetched here.
"""

import hashlib
from datetime import datetime
from typing import Literal
from urllib.parse import urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from openbadges.errors import KeyResolutionError, OpenBadgesError
from openbadges.identity import constant_time_equals, email_forms
from openbadges.jsontypes import JSONObject
from openbadges.models.base import parse_datetime
from openbadges.proofs.jwt import decode_jwt_unverified
from openbadges.resolver import DocumentResolver
from openbadges.verification.causes import cause_of
from openbadges.verification.report import Check, VerificationResult

__all__ = ["OB2_CONTEXT", "is_ob2", "verify_ob2"]

OB2_CONTEXT = "https://w3id.org/openbadges/v2"


def is_ob2(document: object) -> bool:
    """Whether a parsed document (or a JWS payload) is an OB 2.0 (or 1.x-style) assertion."""
    if not isinstance(document, dict):
        return False
    context = document.get("@context")
    contexts = context if isinstance(context, list) else [context]
    vc = ("https://www.w3.org/ns/credentials/v2", "https://www.w3.org/2018/credentials/v1")
    if any(url in vc for url in contexts):
        return False
    return OB2_CONTEXT in contexts or "verify" in document or "badge" in document


async def verify_ob2(
    data: JSONObject | str,
    *,
    resolver: DocumentResolver,
    now: datetime,
    recipient: str | None = None,
) -> VerificationResult:
    """Verify an OB 2.0 assertion: JSON (hosted), a JWS (signed) or its URL.

    Args:
        data: the assertion as JSON, a compact JWS, or the URL of a hosted assertion.
        resolver: serves the assertion, BadgeClass, Issuer, key and revocation list by URL.
        now: the verification time (aware).
        recipient: an e-mail address the assertion must have been awarded to.

    Returns:
        The report, with the codes of OB 3.0 plus ``hosted``.
    """
    form: Literal["json-ld", "jwt"] = (
        "jwt" if isinstance(data, str) and _is_jws(data) else "json-ld"
    )
    checks: list[Check] = []
    assertion = await _read(data, resolver, checks)
    if assertion is None:
        return VerificationResult(checks=tuple(checks), format=form)
    checks.append(_check_context(assertion))
    issuer = await _issuer(assertion, resolver, checks)
    if form == "jwt":
        checks.extend(await _check_signed(str(data), assertion, issuer, resolver))
    else:
        assertion = await _check_hosted(assertion, issuer, resolver, checks)
    if issuer is not None:
        checks.append(await _check_revocation(assertion, issuer, resolver))
    checks.extend(_check_dates(assertion, now))
    checks.append(_check_image(assertion))
    if recipient is not None:
        checks.append(_check_recipient(assertion, recipient))
    return VerificationResult(checks=tuple(checks), credential=assertion, format=form)


def _is_jws(text: str) -> bool:
    return text.count(".") == 2 and not text.startswith(("http://", "https://"))


async def _read(
    data: JSONObject | str, resolver: DocumentResolver, checks: list[Check]
) -> JSONObject | None:
    if isinstance(data, dict):
        checks.append(Check("format", "passed", "Open Badges 2.0 assertion", {"format": "ob2"}))
        return data
    if _is_jws(data):
        try:
            _, payload = decode_jwt_unverified(data)
        except OpenBadgesError as error:
            checks.append(Check("format", "failed", f"malformed JWS: {error}", cause="unsupported"))
            return None
        checks.append(Check("format", "passed", "signed Open Badges 2.0 assertion (JWS)"))
        return payload
    try:
        document = await _resolve_object(resolver, data)
    except KeyResolutionError as error:
        checks.append(Check("format", "failed", str(error), {"url": data}, cause_of(error)))
        return None
    checks.append(Check("format", "passed", "Open Badges 2.0 assertion from its URL"))
    return document


def _check_context(assertion: JSONObject) -> Check:
    context = assertion.get("@context")
    contexts = context if isinstance(context, list) else [context]
    types = assertion.get("type")
    if OB2_CONTEXT not in contexts:
        return Check("context", "failed", f"the @context must be {OB2_CONTEXT}, not {context!r}")
    if "Assertion" not in (types if isinstance(types, list) else [types]):
        return Check("context", "failed", f"type must be Assertion, not {types!r}")
    return Check("context", "passed", "an Open Badges 2.0 Assertion")


async def _issuer(
    assertion: JSONObject, resolver: DocumentResolver, checks: list[Check]
) -> JSONObject | None:
    """The BadgeClass and its Issuer Profile (embedded or by URL), set into the assertion."""
    try:
        badge = await _document(assertion.get("badge"), resolver)
        issuer = await _document(badge.get("issuer"), resolver)
    except (KeyResolutionError, ValueError) as error:
        cause = cause_of(error) if isinstance(error, KeyResolutionError) else None
        checks.append(Check("issuer-key", "failed", f"the issuer is unknown: {error}", cause=cause))
        return None
    assertion["badge"] = {**badge, "issuer": issuer}
    return issuer


async def _document(value: object, resolver: DocumentResolver) -> JSONObject:
    if isinstance(value, dict):
        return value
    if not isinstance(value, str):
        raise ValueError("the assertion names no BadgeClass or issuer")
    return await _resolve_object(resolver, value)


async def _check_hosted(
    given: JSONObject, issuer: JSONObject | None, resolver: DocumentResolver, checks: list[Check]
) -> JSONObject:
    """OB 2.0 §Hosted verification: the issuer's copy at the id, on the issuer's origin."""
    assertion_id = given.get("id")
    verification = given.get("verification") or given.get("verify") or {}
    kind = verification.get("type") if isinstance(verification, dict) else None
    if kind not in ("hosted", "HostedBadge"):
        checks.append(Check("hosted", "failed", f"verification type {kind!r} cannot be checked"))
        return given
    if issuer is not None and not _is_on_issuer_origin(assertion_id, issuer):
        checks.append(
            Check(
                "hosted",
                "failed",
                f"{assertion_id} is not on the issuer's origin {issuer.get('id')}",
            )
        )
        return given
    try:
        hosted = await _resolve_object(resolver, str(assertion_id))
    except KeyResolutionError as error:
        checks.append(Check("hosted", "failed", str(error), {"id": assertion_id}, cause_of(error)))
        return given
    if hosted.get("revoked") is True:
        checks.append(Check("hosted", "failed", "the issuer marks it revoked", cause="revoked"))
        return given
    hosted = {**hosted, "badge": given.get("badge", hosted.get("badge"))}
    differs = {k for k in set(given) | set(hosted) if given.get(k) != hosted.get(k)}
    detail: JSONObject = {"id": assertion_id, **({"differs": sorted(differs)} if differs else {})}
    checks.append(Check("hosted", "passed", "the issuer publishes it at its id", detail))
    return hosted


def _host(url: object) -> str | None:
    return urlsplit(url).hostname if isinstance(url, str) else None


def _is_on_issuer_origin(url: object, issuer: JSONObject) -> bool:
    """Whether a hosted assertion's or signing key's URL is on the issuer's origin.

    OB 2.0 VerificationObject (an issuer's ``verification`` policy): the URL's host is one of
    ``allowedOrigins`` (by default the host of the issuer's id) and, when ``startsWith`` is
    given, the URL starts with one of its prefixes.
    """
    policy = issuer.get("verification")
    policy = policy if isinstance(policy, dict) else {}
    origins: list[str | None] = [*_strings(policy.get("allowedOrigins"))]
    origins = origins or [_host(issuer.get("id"))]
    prefixes = _strings(policy.get("startsWith"))
    if not isinstance(url, str) or _host(url) is None or _host(url) not in origins:
        return False
    return not prefixes or any(url.startswith(prefix) for prefix in prefixes)


def _strings(value: object) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [item for item in values if isinstance(item, str)]


async def _check_signed(
    token: str, assertion: JSONObject, issuer: JSONObject | None, resolver: DocumentResolver
) -> list[Check]:
    """OB 2.0 §Signed verification: the creator key is the issuer's (owner and publicKey)."""
    verification = assertion.get("verification")
    creator = verification.get("creator") if isinstance(verification, dict) else None
    if not isinstance(creator, str) or issuer is None:
        return [Check("proof", "failed", "the assertion names no verification.creator key")]
    if not _is_on_issuer_origin(creator, issuer):
        return [
            Check(
                "issuer-key",
                "failed",
                f"the key {creator} is not on the issuer's origin {issuer.get('id')}",
                {"creator": creator},
            ),
            Check("proof", "skipped", "the key was not fetched: it is not the issuer's"),
        ]
    try:
        key_document = await _resolve_object(resolver, creator)
    except KeyResolutionError as error:
        return [
            Check("issuer-key", "failed", str(error), {"creator": creator}, cause_of(error)),
            Check("proof", "skipped", "no key to check the JWS with"),
        ]
    listed = issuer.get("publicKey")
    keys = listed if isinstance(listed, list) else [listed]
    ids = {k.get("id") if isinstance(k, dict) else k for k in keys}
    if key_document.get("owner") != issuer.get("id") or creator not in ids:
        binding = Check("issuer-key", "failed", f"{creator} is not a publicKey of the issuer")
    else:
        binding = Check("issuer-key", "passed", f"signed with {creator}, a key of the issuer")
    return [binding, _verify_jws(token, key_document)]


def _verify_jws(token: str, key_document: JSONObject) -> Check:
    try:
        key = load_pem_public_key(str(key_document.get("publicKeyPem", "")).encode())
    except ValueError as error:
        return Check("proof", "failed", f"the key is not a PEM public key: {error}")
    if not isinstance(key, rsa.RSAPublicKey):
        return Check("proof", "failed", "OB 2.0 signs with RSA (RS256) keys", cause="unsupported")
    try:
        jwt.decode(
            token,
            key=key,
            algorithms=["RS256"],
            options={
                "verify_signature": True,
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
                "verify_aud": False,
                "verify_iss": False,
                "require": [],
            },
        )
    except jwt.PyJWTError as error:
        return Check("proof", "failed", f"the JWS does not verify: {error}")
    return Check("proof", "passed", "JWS signature (RS256) verifies", {"alg": "RS256"})


async def _check_revocation(
    assertion: JSONObject, issuer: JSONObject, resolver: DocumentResolver
) -> Check:
    if assertion.get("revoked") is True:
        return Check("status", "failed", "the assertion is marked revoked", cause="revoked")
    url = issuer.get("revocationList")
    if not isinstance(url, str):
        return Check("status", "passed", "the issuer publishes no revocation list")
    try:
        document = await _resolve_object(resolver, url)
    except KeyResolutionError as error:
        return Check(
            "status",
            "failed",
            f"the revocation list could not be read: {error}",
            {"revocationList": url},
            cause_of(error),
        )
    revoked = document.get("revokedAssertions")
    for entry in revoked if isinstance(revoked, list) else []:
        entry_id = entry.get("id") or entry.get("uid") if isinstance(entry, dict) else entry
        if entry_id in (assertion.get("id"), assertion.get("uid")):
            reason = entry.get("revocationReason") if isinstance(entry, dict) else None
            return Check("status", "failed", "revoked", {"revocationReason": reason}, "revoked")
    return Check("status", "passed", "not revoked", {"revocationList": url})


def _check_dates(assertion: JSONObject, now: datetime) -> list[Check]:
    issued, expires = _moment(assertion.get("issuedOn")), _moment(assertion.get("expires"))
    detail = {"issuedOn": assertion.get("issuedOn"), "now": now.isoformat()}
    if issued is None:
        start = Check("valid-from", "failed", "issuedOn is not a date-time", detail)
    elif issued > now:
        start = Check("valid-from", "failed", f"issued in the future: {issued}", detail)
    else:
        start = Check("valid-from", "passed", f"issuedOn {assertion.get('issuedOn')}", detail)
    end_detail = {"expires": assertion.get("expires"), "now": now.isoformat()}
    if "expires" not in assertion:
        end = Check("valid-until", "passed", "no expires: no end to the validity period")
    elif expires is None:
        end = Check("valid-until", "failed", "expires is not a date-time", end_detail)
    elif issued is not None and expires < issued:
        end = Check("valid-until", "failed", "expires before it was issued", end_detail)
    elif expires <= now:
        end = Check("valid-until", "failed", f"expired on {assertion.get('expires')}", end_detail)
    else:
        end = Check("valid-until", "passed", f"expires {assertion.get('expires')}", end_detail)
    return [start, end]


def _moment(value: object) -> datetime | None:
    try:
        return parse_datetime(value) if isinstance(value, str) else None
    except (OpenBadgesError, ValueError):
        return None


def _check_image(assertion: JSONObject) -> Check:
    """OB 2.0 §Assertion: ``image`` is an IRI; a data URI is allowed for a BadgeClass only."""
    image = assertion.get("image")
    image_id = image.get("id") if isinstance(image, dict) else image
    if isinstance(image_id, str) and image_id.startswith("data:"):
        return Check("schema", "failed", "an Assertion image must not be a data URI")
    if not isinstance(assertion.get("recipient"), dict):
        return Check("schema", "failed", "the assertion has no recipient")
    return Check("schema", "passed", "fits the OB 2.0 Assertion data model")


def _check_recipient(assertion: JSONObject, address: str) -> Check:
    """OB 2.0 IdentityObject: ``sha256$``/``md5$`` hex of identity + salt, or the plain one."""
    identity = assertion.get("recipient")
    identity = identity if isinstance(identity, dict) else {}
    value = str(identity.get("identity", ""))
    salt = str(identity.get("salt") or "")
    forms = email_forms(address)
    if not identity.get("hashed"):
        is_match = any(constant_time_equals(value.strip().lower(), form.lower()) for form in forms)
    else:
        algorithm, _, expected = value.partition("$")
        if algorithm not in ("sha256", "md5"):
            return Check("recipient", "failed", f"unknown identity hash {algorithm!r}")
        is_match = any(
            constant_time_equals(
                expected.lower(), hashlib.new(algorithm, (f + salt).encode()).hexdigest()
            )
            for f in forms
        )
    if is_match:
        return Check("recipient", "passed", "awarded to the given identifier")
    return Check("recipient", "failed", "not awarded to the given identifier")


async def _resolve_object(resolver: DocumentResolver, url: str) -> JSONObject:
    """Open Badges 2.0 documents are JSON objects (a resolver may also return a VC-JWT)."""
    document = await resolver.resolve(url)
    if not isinstance(document, dict):
        raise KeyResolutionError(f"{url} did not return a JSON object")
    return document
