"""Verify a credential in any of its forms and report every check.

Like Digital Bazaar's ``vc.verifyCredential``, `verify` returns a report instead of raising:
bad input is a failed check with a clear message. The caller supplies the clock, the context
loader and the resolver, so nothing is fetched and the result is reproducible.
"""

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

import msgspec

from openbadges.baking import detect_image_kind, extract, svg_scans_kept
from openbadges.canonical import Canonicalized, canonicalize
from openbadges.contexts import ContextLoader
from openbadges.errors import (
    BakingError,
    BudgetExhausted,
    ContextNotFound,
    InvalidDocument,
    KeyResolutionError,
    OpenBadgesError,
    PoisonedDataset,
    ProofError,
    StatusListError,
    UnsupportedCryptosuite,
)
from openbadges.jsontypes import JSONObject, copy_json, loads
from openbadges.ob2.assertions import verify_ob2
from openbadges.ob2.detection import as_ob2
from openbadges.offload import (
    INLINE_BYTES,
    INLINE_STATEMENTS,
    off_the_loop_if,
    off_the_loop_if_slow,
)
from openbadges.proofs.jwt import verify_jwt
from openbadges.proofs.suites import verify_with_suite
from openbadges.resolver import DocumentResolver, VerificationMethod, resolve_verification_method
from openbadges.schema import SchemaValidator
from openbadges.status import MIN_BITS, read_1edtech_revocation, read_status
from openbadges.verification import checks
from openbadges.verification.budget import Budget
from openbadges.verification.causes import cause_of, terms_check_for_jwt, unverified_payload
from openbadges.verification.clr import check_embedded
from openbadges.verification.memo import ProofMemo
from openbadges.verification.report import Check, VerificationResult
from openbadges.verification.signed import read_signed, refused

__all__ = ["verify"]

_DEFAULT_LOADER = ContextLoader()


@dataclass(frozen=True)
class _Context:
    resolver: DocumentResolver
    loader: ContextLoader
    now: datetime
    schema: SchemaValidator | None
    budget: Budget = field(default_factory=Budget)
    check_status: bool = True
    depth: int = 0  # records (CLR 2.0) around the credential
    list_proofs: ProofMemo | None = None  # for the status lists this credential points to
    proofs: ProofMemo | None = None  # for this document's own proofs (a list's, or the caller's)


async def verify(
    data: JSONObject | str | bytes,
    *,
    resolver: DocumentResolver,
    now: datetime,
    loader: ContextLoader | None = None,
    recipient: str | None = None,
    schema: SchemaValidator | None = None,
    check_status: bool = True,
    budget: Budget | None = None,
    status_list_proofs: ProofMemo | None = None,
    credential_proofs: ProofMemo | None = None,
) -> VerificationResult:
    """Verify an Open Badges (or any VC 2.0 / 1.1) credential.

    Args:
        data: a JSON-LD credential (parsed, or as JSON text/bytes), a compact VC-JWT, or the
            bytes of a baked PNG or SVG.
        resolver: serves DID documents, controller documents and status list credentials
            (did:key and did:jwk are built in); nothing else is fetched.
        now: the verification time (aware) for the validity period.
        loader: the JSON-LD contexts; the bundled ones by default.
        recipient: an e-mail address the credential must have been awarded to.
        schema: the 1EdTech JSON Schema; without it the OB data model's types are checked.
        check_status: whether to read ``credentialStatus`` (off for status list credentials).
        budget: the limits on status entries and keys tried (and the fetches the resolver
            counts); whatever runs out is reported as a ``budget`` check. A default one
            when omitted, so that no caller is unbounded.
        status_list_proofs: status list signatures already found valid (see `ProofMemo`);
            the lists' dates and bits are read each time, their signatures checked once.
        credential_proofs: the same for the credential's own proofs (for a VC-JWT, its JWS,
            by exact token and key, and its payload's canonical form): a verifier that sees
            the same badge again checks its signature once, while its dates, status,
            recipient and issuer's keys are read each time.

    Returns:
        The report; ``verified`` is true only when no check failed.

    See https://www.imsglobal.org/spec/ob/v3p0/#verification-and-validation.
    """
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    budget = budget if budget is not None else Budget()
    context = _Context(
        resolver,
        loader or _DEFAULT_LOADER,
        now,
        schema,
        budget,
        check_status,
        list_proofs=status_list_proofs,
        proofs=credential_proofs,
    )
    return await _verify_counted(data, context, recipient)


async def _verify_counted(
    data: JSONObject | str | bytes, context: _Context, recipient: str | None
) -> VerificationResult:
    """`_verify`, with what ran out of the budget meanwhile added to its checks."""
    budget = context.budget
    seen = len(budget.ran_out)
    result = await _verify(data, context, recipient)
    spent = budget.checks_since(seen)
    return replace(result, checks=(*result.checks, *spent)) if spent else result


async def _verify(
    data: JSONObject | str | bytes, context: _Context, recipient: str | None
) -> VerificationResult:
    # A large text or image (an SVG is parsed as XML) is read in a worker thread.
    is_large = isinstance(data, str | bytes) and len(data) > INLINE_BYTES
    with svg_scans_kept():  # an SVG is read for OB 2.0, then for OB 3.0: parsed once
        ob2 = await off_the_loop_if(is_large, as_ob2, data)
        if ob2 is None:
            parsed = await off_the_loop_if(is_large, _parse, data)
    if ob2 is not None:  # Open Badges 2.0: hosted, signed or baked (no JSON-LD processing)
        return await verify_ob2(
            ob2, resolver=context.resolver, now=context.now, recipient=recipient
        )
    if isinstance(parsed, Check):
        return VerificationResult(checks=(parsed,))
    form, credential_or_token, origin = parsed
    if form == "jwt":
        found, credential = await _verify_jwt_proof(str(credential_or_token), context)
        if credential is None:
            return VerificationResult(
                checks=(_format_check(form, origin), *_bound(found, {})),
                format="jwt",
                unverified_credential=unverified_payload(str(credential_or_token)),
            )
        canonical = await _canonicalize_signed_payload(credential, context)
    else:
        credential = credential_or_token if isinstance(credential_or_token, dict) else {}
        found, canonical = await _verify_data_integrity(credential, context)
    # Every check below reads what the proof covers (the RDF dataset), however it is spelt.
    # Reading every statement costs as much as compiling them: a large document's, off the loop.
    is_large = isinstance(canonical, Canonicalized) and len(canonical.quads) > INLINE_STATEMENTS
    checked, terms, schema = await off_the_loop_if(
        is_large, _read_signed, credential, canonical, context.schema
    )
    results = [_format_check(form, origin), checks.check_context(checked)]
    # The JWS covers the bytes: an undefined term is a doubt about meaning, not unsigned data.
    results.append(terms_check_for_jwt(terms) if form == "jwt" else terms)
    results.append(schema)
    results.extend(_bound(found, checked))
    results.extend(checks.check_dates(checked, context.now))
    if context.check_status:
        results.extend(await _check_statuses(checked, context))
    if recipient is not None:
        results.append(checks.check_recipient(checked, recipient))
    inner = replace(context, depth=context.depth + 1)
    held, reports = await check_embedded(
        credential, lambda item: _verify(item, inner, None), context.depth
    )
    return VerificationResult(
        checks=(*results, *held), credential=checked, format=form, embedded=reports
    )


def _read_signed(
    credential: JSONObject, canonical: Canonicalized | Check, schema: SchemaValidator | None
) -> tuple[JSONObject, Check, Check]:
    """The credential as signed, its terms check and its schema check.

    Each is a function of the credential and its dataset alone, so they are kept with the
    dataset (`Canonicalized.readings`): a proof remembered by a `ProofMemo` (the same bytes)
    is not read again. The signed view is handed out as a copy: callers may keep or change it.
    """
    if isinstance(canonical, Check) or schema is not None:
        checked, terms = read_signed(credential, canonical)
        return checked, terms, checks.check_schema(checked, schema)
    found = canonical.readings.get("signed")
    if not isinstance(found, tuple):
        checked, terms = read_signed(credential, canonical)
        found = (copy_json(checked), terms, checks.check_schema(checked, None))
        canonical.readings["signed"] = found
        return checked, terms, found[2]
    kept, terms, schema_check = found
    return copy_json(kept), terms, schema_check


@dataclass(frozen=True)
class _Binding:
    """An issuer-key check to make once the signed issuer is known."""

    method: VerificationMethod
    method_id: str
    detail: JSONObject | None = None


def _bound(found: list["Check | _Binding"], checked: JSONObject) -> list[Check]:
    return [
        _binding(
            item.method.controller, item.method.relationships, checked, item.method_id, item.detail
        )
        if isinstance(item, _Binding)
        else item
        for item in found
    ]


Parsed = tuple[Literal["json-ld", "jwt"], JSONObject | str, str]


def _parse(data: JSONObject | str | bytes) -> Parsed | Check:
    origin = "input"
    if isinstance(data, bytes):
        try:
            detect_image_kind(data)
        except BakingError:
            pass
        else:
            origin = "baked image"
            try:
                data = extract(data)
            except BakingError as error:
                return Check(
                    "format",
                    "failed",
                    f"no credential could be read from the image: {error}",
                    cause="unsupported",
                )
    if isinstance(data, bytes | str):
        text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
        stripped = text.strip()
        if not stripped.startswith("{"):
            if stripped.count(".") == 2 and " " not in stripped:
                return "jwt", stripped, origin
            return Check(
                "format",
                "failed",
                "not a JSON-LD credential, a VC-JWT or a baked image",
                cause="unsupported",
            )
        try:
            data = loads(stripped)
        except msgspec.DecodeError as error:
            return Check("format", "failed", f"malformed JSON: {error}")
    if not isinstance(data, dict):
        return Check("format", "failed", "a credential must be a JSON object")
    return "json-ld", data, origin


def _format_check(form: str, origin: str) -> Check:
    what = "JSON-LD credential" if form == "json-ld" else "VC-JWT"
    suffix = "" if origin == "input" else f" from a {origin}"
    return Check("format", "passed", f"{what}{suffix}", {"format": form})


async def _canonicalize(credential: JSONObject, loader: ContextLoader) -> Canonicalized | Check:
    try:
        return await off_the_loop_if_slow(canonicalize, credential, loader)
    except PoisonedDataset as error:
        return refused(error)
    except (InvalidDocument, ContextNotFound) as error:
        return Check(
            "jsonld-terms",
            "failed",
            f"the credential is not valid JSON-LD: {error}",
            cause=cause_of(error),
        )


async def _canonicalize_signed_payload(
    credential: JSONObject, context: _Context
) -> Canonicalized | Check:
    """A VC-JWT's credential, whose JWS just verified, canonicalised (once per exact payload).

    The canonical form is a function of the payload alone (the JWS's outcome is remembered
    apart, by `verify_jwt`, keyed by the token and the key).
    """
    memo = context.proofs
    if memo is None:
        return await _canonicalize(credential, context.loader)
    key = ProofMemo.payload_key(credential)
    if (recalled := memo.recall(key)) is not None:
        return recalled
    canonical = await _canonicalize(credential, context.loader)
    if isinstance(canonical, Canonicalized):
        memo.remember(key, canonical)
    return canonical


async def _verify_jwt_proof(
    token: str, context: _Context
) -> tuple[list[Check | _Binding], JSONObject | None]:
    try:
        verified = await verify_jwt(
            token, context.resolver, max_keys=context.budget.max_keys, verified=context.proofs
        )
    except KeyResolutionError as error:
        if isinstance(error, BudgetExhausted) and error.limit == "keys":
            context.budget.exhaust("keys", str(error), context.budget.max_keys)
        return [
            Check("issuer-key", "failed", str(error), cause=cause_of(error)),
            Check("proof", "skipped", "no key to check the JWS with"),
        ], None
    except OpenBadgesError as error:
        return [Check("proof", "failed", f"the JWS does not verify: {error}")], None
    algorithm = verified.header.get("alg")
    found: list[Check | _Binding] = [
        Check("proof", "passed", f"JWS signature ({algorithm}) verifies", {"alg": algorithm})
    ]
    method = verified.verification_method
    if method is None and verified.unbound_because is not None:
        found.append(
            Check(
                "issuer-key",
                "failed",
                "the key embedded in the token (jwk) could not be tied to the issuer: "
                f"{verified.unbound_because}",
                {"keySource": "jwk"},
                cause_of(verified.unbound_because),
            )
        )
    elif method is None:
        found.append(
            Check(
                "issuer-key",
                "failed",
                "the key embedded in the token (jwk) is not bound to the issuer: the issuer "
                "is not that key's did:jwk and does not list it as a verification method",
                {"keySource": "jwk"},
            )
        )
    else:
        found.append(_Binding(method, method.id))
    return found, verified.credential


async def _verify_data_integrity(
    credential: JSONObject, context: _Context
) -> tuple[list[Check | _Binding], Canonicalized | Check]:
    proofs = credential.get("proof")
    entries = proofs if isinstance(proofs, list) else [proofs] if proofs is not None else []
    found: list[Check | _Binding] = []
    canonical: Canonicalized | Check | None = None
    most = context.budget.max_keys
    if len(entries) > most:
        context.budget.exhaust("keys", f"{len(entries)} proofs; the first {most} were tried", most)
    for index, proof in enumerate(entries[:most]):
        result, proof_canonical = await _check_proof(credential, proof, index, context)
        found.extend(result)
        if not isinstance(canonical, Canonicalized):
            canonical = proof_canonical or canonical
    if not entries:
        found.append(Check("proof", "failed", "the credential has no proof"))
    if canonical is None:
        # No proof verified: read the document alone (its proofs are not what is in question).
        unsecured = {name: value for name, value in credential.items() if name != "proof"}
        canonical = await _canonicalize(unsecured, context.loader)
    return found, canonical


async def _check_proof(
    credential: JSONObject, proof: object, index: int, context: _Context
) -> tuple[list[Check | _Binding], Canonicalized | Check | None]:
    detail = {"proof": index}
    if not isinstance(proof, dict):
        return [Check("proof", "failed", "a proof must be an object", detail)], None
    suite = proof.get("cryptosuite") or proof.get("type")
    if proof.get("proofPurpose") != "assertionMethod":
        return [
            Check(
                "proof", "failed", "proofPurpose must be assertionMethod for a credential", detail
            )
        ], None
    method_id = proof.get("verificationMethod")
    if not isinstance(method_id, str):
        return [Check("proof", "failed", "the proof names no verificationMethod", detail)], None
    try:
        method = await resolve_verification_method(method_id, context.resolver)
    except KeyResolutionError as error:
        return [
            Check("issuer-key", "failed", str(error), detail, cause_of(error)),
            Check("proof", "skipped", f"{suite}: no key to check the signature with", detail),
        ], None
    binding = _Binding(method, method_id, detail)
    memo_key = (
        None if context.proofs is None else ProofMemo.key(credential, index, method.public_key)
    )
    recalled = (
        None if memo_key is None or context.proofs is None else context.proofs.recall(memo_key)
    )
    try:
        canonical = recalled or await off_the_loop_if_slow(
            verify_with_suite, credential, proof, method.public_key, loader=context.loader
        )
    except UnsupportedCryptosuite as error:
        return [
            binding,
            Check("proof", "failed", f"unsupported proof: {error}", detail, "unsupported"),
        ], None
    except PoisonedDataset as error:
        skipped = Check(
            "proof", "skipped", f"{suite}: not checked, canonicalisation refused", detail
        )
        return [binding, skipped], refused(error)
    except (ProofError, InvalidDocument, ContextNotFound) as error:
        return [
            binding,
            Check("proof", "failed", f"{suite}: {error}", detail, cause_of(error)),
        ], None
    if memo_key is not None and context.proofs is not None and recalled is None:
        context.proofs.remember(memo_key, canonical)
    return [
        binding,
        Check("proof", "passed", f"{suite} signature verifies", {**detail, "cryptosuite": suite}),
    ], canonical


def _binding(
    controller: str,
    relationships: frozenset[str],
    credential: JSONObject,
    method_id: str,
    detail: JSONObject | None = None,
) -> Check:
    """VC-DM 2.0 §4.7 / OB 3.0 §9.2: the key's controller is the issuer, for assertions."""
    issuer = credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    detail = {**(detail or {}), "verificationMethod": method_id}
    if controller != issuer_id:
        return Check(
            "issuer-key",
            "failed",
            f"the key belongs to {controller}, not to the issuer {issuer_id}",
            detail,
        )
    if "assertionMethod" not in relationships:
        return Check(
            "issuer-key", "failed", f"{method_id} is not an assertionMethod of {controller}", detail
        )
    return Check(
        "issuer-key",
        "passed",
        f"signed with {method_id}, an assertion method of the issuer",
        detail,
    )


async def _check_statuses(credential: JSONObject, context: _Context) -> list[Check]:
    """Each status entry, up to the budget's; the rest are not looked at."""
    entries = _entries(credential)
    most = context.budget.max_status_entries
    found = [
        _with_purpose(await _check_status(entry, credential, context), entry)
        for entry in entries[:most]
    ]
    if len(entries) > most:
        context.budget.exhaust(
            "status-entries",
            f"{len(entries)} status entries; the first {most} were checked",
            most,
        )
    return found


def _with_purpose(check: Check, entry: JSONObject) -> Check:
    """The entry's ``statusPurpose`` in the check, so that it is worded for that purpose."""
    purpose = entry.get("statusPurpose")
    if "purpose" in check.detail or not isinstance(purpose, str):
        return check
    return replace(check, detail={**check.detail, "purpose": purpose})


def _entries(credential: JSONObject) -> list[JSONObject]:
    status = credential.get("credentialStatus")
    entries = status if isinstance(status, list) else [status] if status is not None else []
    return [entry if isinstance(entry, dict) else {} for entry in entries]


async def _check_status(entry: JSONObject, credential: JSONObject, context: _Context) -> Check:
    """VC Bitstring Status List §3.2 (and StatusList2021, 1EdTech Revocation List)."""
    kind = next(iter(checks.types_of(entry)), "unknown")
    if kind == "1EdTechRevocationList":
        return await _check_revocation_list(entry, credential, context)
    if kind not in ("BitstringStatusListEntry", "StatusList2021Entry"):
        return Check("status", "warning", f"status type {kind!r} is not supported; not checked")
    report = await _verify_list(entry.get("statusListCredential"), context)
    if isinstance(report, Check):
        return report
    if not report.verified:
        failed = [c.message for c in report.checks if c.status == "failed"]
        decisive = report.verdict_check
        return Check(
            "status",
            "failed",
            "the status list credential does not verify",
            {"errors": failed},
            decisive.cause if report.verdict == "unverifiable" and decisive else None,
        )
    # The list was fetched from the entry's own URL, so its id may differ (lists get moved).
    # A list under the 16 KB minimum is still read: its bits are no less true, only less private.
    # The list is read as signed (a VC-JWT's payload, or a JSON-LD list's dataset).
    try:
        reading = read_status(
            entry, report.credential or {}, is_list_id_checked=False, min_entries=8
        )
    except StatusListError as error:
        return Check("status", "failed", f"the status could not be read: {error}")
    detail = {"purpose": reading.purpose, "index": reading.index}
    if not reading.is_set:
        if reading.list_size < MIN_BITS:
            return Check(
                "status",
                "warning",
                f"not {_past(reading.purpose)}; the list has {reading.list_size} entries, fewer "
                f"than the {MIN_BITS} the spec requires for privacy",
                detail,
            )
        return Check("status", "passed", f"not {_past(reading.purpose)}", detail)
    if reading.purpose in ("revocation", "suspension"):
        past = _past(reading.purpose)
        return Check(
            "status", "failed", past, detail, "revoked" if past == "revoked" else "suspended"
        )
    return Check("status", "warning", f"status bit set for purpose {reading.purpose!r}", detail)


async def _verify_list(url: object, context: _Context) -> VerificationResult | Check:
    """Fetch and verify a status list credential, published as JSON-LD or as a VC-JWT."""
    try:
        document = await context.resolver.resolve(str(url))
    except KeyResolutionError as error:
        return Check(
            "status",
            "failed",
            f"the status list could not be fetched: {error}",
            {"statusListCredential": url},
            cause_of(error),
        )
    listed = _Context(
        context.resolver,
        context.loader,
        context.now,
        None,
        context.budget,
        check_status=False,
        proofs=context.list_proofs,
    )
    return await _verify_counted(document, listed, None)


async def _check_revocation_list(
    entry: JSONObject, credential: JSONObject, context: _Context
) -> Check:
    try:
        document = await context.resolver.resolve(str(entry.get("id")))
        if not isinstance(document, dict):
            raise StatusListError("a 1EdTech Revocation List is a JSON object")
        is_revoked = read_1edtech_revocation(entry, document, str(credential.get("id")))
    except (KeyResolutionError, StatusListError) as error:
        return Check(
            "status",
            "failed",
            f"the revocation list could not be read: {error}",
            cause=cause_of(error),
        )
    return (
        Check("status", "failed", "revoked", cause="revoked")
        if is_revoked
        else Check("status", "passed", "not revoked")
    )


def _past(purpose: str) -> str:
    return {"revocation": "revoked", "suspension": "suspended"}.get(purpose, purpose)
