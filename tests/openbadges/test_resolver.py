import json
from pathlib import Path
from typing import Any

import base58
import pytest

from openbadges.dids import resolve_did_key
from openbadges.errors import KeyResolutionError
from openbadges.keys import KeyPair, generate_key_pair, public_jwk, public_key_from_multibase
from openbadges.resolver import StaticResolver, VerificationMethod, resolve_verification_method

W3C_PUBLIC_KEY = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
ISSUER = "https://example.edu/issuers/1"
KEY_URL = "https://example.edu/keys/1"


def read_json(path: Path) -> Any:
    return json.loads(path.read_text())


def keydoc_cases(shared: Path) -> list[tuple[str, dict[str, Any], str]]:
    cases = []
    for keydoc in sorted((shared / "wild-corpus").glob("*.keydoc.json")):
        credential = read_json(keydoc.with_name(keydoc.name.replace(".keydoc", "")))
        proofs = (
            credential["proof"] if isinstance(credential["proof"], list) else [credential["proof"]]
        )
        for proof in proofs:
            cases.append((keydoc.name, read_json(keydoc), proof["verificationMethod"]))
    return cases


@pytest.fixture(scope="module")
def issuer_key() -> KeyPair:
    return generate_key_pair(controller=ISSUER)


def method_of(key: KeyPair, **changes: Any) -> dict[str, Any]:
    return {**key.verification_method(), **changes}


async def test_resolve_verification_method_finds_the_methods_of_wild_did_web_documents(
    shared: Path,
) -> None:
    cases = keydoc_cases(shared)
    assert len(cases) >= 5
    for name, document, vm_id in cases:
        method = await resolve_verification_method(
            vm_id, StaticResolver({document["id"]: document})
        )
        assert method.id == vm_id, name
        assert method.controller == document["id"]
        assert method.type in ("Multikey", "Ed25519VerificationKey2020")
        assert method.relationships == {"assertionMethod"}
        expected = public_key_from_multibase(vm_id.split("#")[1])
        assert public_jwk(method.public_key) == public_jwk(expected)


async def test_resolve_verification_method_of_008_is_the_published_multikey(shared: Path) -> None:
    document = read_json(shared / "wild-corpus/008-dcc-v2-di-didweb.keydoc.json")
    credential = read_json(shared / "wild-corpus/008-dcc-v2-di-didweb.json")
    resolver = StaticResolver({document["id"]: document})
    method = await resolve_verification_method(credential["proof"]["verificationMethod"], resolver)
    assert method.controller == credential["issuer"]["id"]
    assert method.type == "Multikey"


async def test_resolve_verification_method_resolves_did_key_without_any_document() -> None:
    did = f"did:key:{W3C_PUBLIC_KEY}"
    method = await resolve_verification_method(f"{did}#{W3C_PUBLIC_KEY}", StaticResolver())
    assert method == VerificationMethod(
        id=f"{did}#{W3C_PUBLIC_KEY}",
        type="Multikey",
        controller=did,
        public_key=method.public_key,
        relationships=frozenset(
            {"assertionMethod", "authentication", "capabilityInvocation", "capabilityDelegation"}
        ),
    )
    bare = await resolve_verification_method(did, StaticResolver())
    assert bare.id == method.id


async def test_resolve_verification_method_resolves_did_jwk_keys() -> None:
    key = generate_key_pair("rsa")
    method = await resolve_verification_method(key.id, StaticResolver())
    assert (method.id, method.type, method.controller) == (key.id, "JsonWebKey2020", key.controller)
    assert public_jwk(method.public_key) == public_jwk(key.public_key)


async def test_resolve_verification_method_resolves_relative_ids_against_the_document() -> None:
    key = generate_key_pair()
    document = {
        "id": ISSUER,
        "verificationMethod": [method_of(key, id="#key-1", controller=ISSUER)],
        "authentication": [42, "#key-1"],
        "assertionMethod": [f"{ISSUER}#key-1"],
    }
    method = await resolve_verification_method(
        f"{ISSUER}#key-1", StaticResolver({ISSUER: document})
    )
    assert method.id == f"{ISSUER}#key-1"
    assert method.relationships == {"assertionMethod", "authentication"}


async def test_resolve_verification_method_reports_no_relationship_for_an_unlisted_method(
    issuer_key: KeyPair,
) -> None:
    document = {"id": ISSUER, "verificationMethod": [issuer_key.verification_method()]}
    method = await resolve_verification_method(issuer_key.id, StaticResolver({ISSUER: document}))
    assert method.relationships == frozenset()


async def test_resolve_verification_method_follows_a_method_url_to_its_controller(
    issuer_key: KeyPair,
) -> None:
    method_document = method_of(issuer_key, id=KEY_URL)
    controller = {"id": ISSUER, "assertionMethod": [KEY_URL]}
    resolver = StaticResolver({KEY_URL: method_document, ISSUER: controller})
    method = await resolve_verification_method(KEY_URL, resolver)
    assert (method.id, method.controller) == (KEY_URL, ISSUER)
    assert method.relationships == {"assertionMethod"}


async def test_resolve_verification_method_rejects_a_method_its_controller_does_not_list(
    issuer_key: KeyPair,
) -> None:
    resolver = StaticResolver({KEY_URL: method_of(issuer_key, id=KEY_URL), ISSUER: {"id": ISSUER}})
    with pytest.raises(KeyResolutionError, match="does not list"):
        await resolve_verification_method(KEY_URL, resolver)


async def test_resolve_verification_method_rejects_a_method_without_controller(
    issuer_key: KeyPair,
) -> None:
    method_document = method_of(issuer_key, id=KEY_URL)
    del method_document["controller"]
    with pytest.raises(KeyResolutionError, match="names no controller"):
        await resolve_verification_method(KEY_URL, StaticResolver({KEY_URL: method_document}))


async def test_resolve_verification_method_rejects_a_foreign_controller(
    issuer_key: KeyPair,
) -> None:
    document = {
        "id": ISSUER,
        "verificationMethod": [method_of(issuer_key, controller="https://evil.example/")],
        "assertionMethod": [issuer_key.id],
    }
    with pytest.raises(KeyResolutionError, match="names controller"):
        await resolve_verification_method(issuer_key.id, StaticResolver({ISSUER: document}))


async def test_resolve_verification_method_rejects_a_missing_method(issuer_key: KeyPair) -> None:
    document = {"id": ISSUER, "verificationMethod": [issuer_key.verification_method()]}
    with pytest.raises(KeyResolutionError, match="has no verification method"):
        await resolve_verification_method(f"{ISSUER}#other", StaticResolver({ISSUER: document}))


async def test_resolve_verification_method_rejects_a_document_with_another_id(
    issuer_key: KeyPair,
) -> None:
    document = {
        "id": "https://other.example/",
        "verificationMethod": [issuer_key.verification_method()],
    }
    with pytest.raises(KeyResolutionError, match="has id"):
        await resolve_verification_method(issuer_key.id, StaticResolver({ISSUER: document}))


async def test_resolve_verification_method_rejects_unknown_documents(issuer_key: KeyPair) -> None:
    with pytest.raises(KeyResolutionError, match="no document"):
        await resolve_verification_method(issuer_key.id, StaticResolver())


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"type": "EcdsaSecp256k1VerificationKey2019"}, "unsupported type"),
        ({"publicKeyMultibase": "z6MkBAD0"}, "unusable key material"),
        ({"type": "Ed25519VerificationKey2020", "publicKeyMultibase": "zDnaeBAD"}, "unusable"),
        ({"type": "JsonWebKey", "publicKeyJwk": {"kty": "oct", "k": "AAAA"}}, "unusable"),
        ({"type": "Ed25519VerificationKey2018", "publicKeyBase58": "0OIl"}, "unusable"),
        ({"type": "Ed25519VerificationKey2018"}, "publicKeyBase58 is missing"),
    ],
)
async def test_resolve_verification_method_rejects_unusable_methods(
    issuer_key: KeyPair, changes: dict[str, Any], message: str
) -> None:
    document = {"id": ISSUER, "assertionMethod": [method_of(issuer_key, **changes)]}
    with pytest.raises(KeyResolutionError, match=message):
        await resolve_verification_method(issuer_key.id, StaticResolver({ISSUER: document}))


async def test_resolve_verification_method_rejects_ed25519_2020_holding_a_p256_key() -> None:
    p256 = generate_key_pair("p256", controller=ISSUER)
    vm = {"id": p256.id, "type": "Ed25519VerificationKey2020", "controller": ISSUER}
    vm["publicKeyMultibase"] = p256.to_key_file()["publicKeyMultibase"]
    resolver = StaticResolver({ISSUER: {"id": ISSUER, "verificationMethod": [vm]}})
    with pytest.raises(KeyResolutionError, match="Ed25519"):
        await resolve_verification_method(p256.id, resolver)


async def test_resolve_verification_method_reads_ed25519_2018_and_json_web_keys() -> None:
    legacy = {
        "id": f"{ISSUER}#legacy",
        "type": "Ed25519VerificationKey2018",
        "controller": ISSUER,
        "publicKeyBase58": base58.b58encode(
            bytes(base58.b58decode(W3C_PUBLIC_KEY[1:]))[2:]
        ).decode(),
    }
    rsa_key = generate_key_pair("rsa", controller=ISSUER)
    document = {
        "id": ISSUER,
        "verificationMethod": [legacy, rsa_key.verification_method()],
        "assertionMethod": [legacy["id"], rsa_key.id],
    }
    resolver = StaticResolver({ISSUER: document})
    ed = await resolve_verification_method(legacy["id"], resolver)
    assert public_jwk(ed.public_key) == public_jwk(public_key_from_multibase(W3C_PUBLIC_KEY))
    rsa_method = await resolve_verification_method(rsa_key.id, resolver)
    assert rsa_method.type == "JsonWebKey"
    assert public_jwk(rsa_method.public_key) == public_jwk(rsa_key.public_key)


async def test_static_resolver_never_looks_up_did_key_in_its_mapping() -> None:
    did = f"did:key:{W3C_PUBLIC_KEY}"
    impostor = {"id": did, "verificationMethod": []}
    assert await StaticResolver({did: impostor}).resolve(did) == resolve_did_key(did)


async def test_static_resolver_returns_copies_of_its_documents() -> None:
    documents = {ISSUER: {"id": ISSUER, "name": "Issuer"}}
    resolver = StaticResolver(documents)
    first = await resolver.resolve(ISSUER)
    assert isinstance(first, dict)
    first["name"] = "Changed"
    documents[ISSUER]["name"] = "Changed too"
    assert await resolver.resolve(ISSUER) == {"id": ISSUER, "name": "Issuer"}


@pytest.mark.parametrize("url", ["did:key:zBAD", "did:jwk:e30", "https://unknown.example/"])
async def test_static_resolver_raises_key_resolution_error(url: str) -> None:
    with pytest.raises(KeyResolutionError):
        await StaticResolver().resolve(url)
