"""Credentials signed and verified per second on one core, beside three baselines.

``openbadges`` takes the compiled canonical form (`openbadges.compiled`) for Insigne's own
shapes. Baselines, measured in the same run on the same credential and core:
* the general path: the library's JSON-LD processor (`canonicalize_general`), which foreign
  credentials take;
* naive pyld: what a straightforward Python implementation does (pyld expands and
  normalises the document and the proof configuration on every call);
* vc-js: Digital Bazaar's JavaScript stack (the interop test's npm packages).

Run with ``make bench`` (or ``uv run python bench/signing.py [--n 300]``).
"""

import argparse
import asyncio
import hashlib
import os
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pyld import jsonld

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from openbadges.canonical import canonicalize_general
from openbadges.contexts import ContextLoader
from openbadges.keys import generate_key_pair
from openbadges.multibase import decode_multibase, encode_multibase
from openbadges.proofs.eddsa_rdfc_2022 import create_proof, hash_data, verify_proof
from openbadges.resolver import StaticResolver
from openbadges.verification import verify
from tests.factories import explorer_credential
from tests.interop.dbstack import DbStack

CORE = 0
ANSWER = (
    "Le leadership pédagonumérique, c'est « oser » : accompagner l'équipe-école dans "
    "l'intégration du numérique au service des apprentissages du 21e siècle. "
) * 12
LOADER = ContextLoader()
KEY = generate_key_pair()


def ed25519(key: object) -> Ed25519PrivateKey:
    if not isinstance(key, Ed25519PrivateKey):
        raise TypeError("the benchmark signs with Ed25519")
    return key


SIGNER = ed25519(KEY.private_key)
NOW = datetime(2026, 11, 21, 17, 0, tzinfo=UTC)


def credential() -> dict[str, Any]:
    """An explorer credential with three long French reflections, as Insigne issues them."""
    document = explorer_credential(KEY.controller, answer=ANSWER)
    document["evidence"] = [
        {**document["evidence"][0], "id": f"https://insigne.example/evidence/{n}"}
        for n in (1, 2, 3)
    ]
    return document


def rate(function: Callable[[], object], n: int) -> float:
    """Operations per second of `function` over `n` calls after a short warm-up."""
    for _ in range(10):
        function()
    start = time.perf_counter()
    for _ in range(n):
        function()
    return n / (time.perf_counter() - start)


def pyld_hash(document: dict[str, Any], options: dict[str, Any]) -> bytes:
    def load(url: str, _options: object = None) -> dict[str, Any]:
        return {"contextUrl": None, "documentUrl": url, "document": LOADER.load(url)}

    settings = {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": load}
    proof_config = {"@context": document["@context"], **options}
    return (
        hashlib.sha256(jsonld.normalize(proof_config, settings).encode()).digest()
        + hashlib.sha256(jsonld.normalize(document, settings).encode()).digest()
    )


def naive_sign(document: dict[str, Any]) -> dict[str, Any]:
    options = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2026-11-21T17:00:00Z",
        "verificationMethod": KEY.id,
        "proofPurpose": "assertionMethod",
    }
    signature = SIGNER.sign(pyld_hash(document, options))
    return {**document, "proof": {**options, "proofValue": encode_multibase(signature)}}


def naive_verify(signed: dict[str, Any]) -> None:
    proof = dict(signed["proof"])
    signature = decode_multibase(proof.pop("proofValue"))
    document = {name: value for name, value in signed.items() if name != "proof"}
    SIGNER.public_key().verify(signature, pyld_hash(document, proof))


OPTIONS = {
    "type": "DataIntegrityProof",
    "cryptosuite": "eddsa-rdfc-2022",
    "created": "2026-11-21T17:00:00Z",
    "verificationMethod": KEY.id,
    "proofPurpose": "assertionMethod",
}


def general_sign(document: dict[str, Any]) -> bytes:
    """`create_proof`'s work through the general path (what a foreign shape costs)."""
    return SIGNER.sign(hash_data(canonicalize_general(document, OPTIONS, LOADER)))


def general_verify(document: dict[str, Any], signature: bytes) -> None:
    SIGNER.public_key().verify(
        signature, hash_data(canonicalize_general(document, OPTIONS, LOADER))
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=300, help="operations per measurement")
    n = parser.parse_args().n
    os.sched_setaffinity(0, {CORE})
    document = credential()
    signed = {**document, "proof": create_proof(document, KEY, loader=LOADER, created=NOW)}
    resolver = StaticResolver({})

    def pipeline() -> None:
        asyncio.run(verify(signed, resolver=resolver, now=NOW))

    ours_sign = rate(lambda: create_proof(document, KEY, loader=LOADER, created=NOW), n)
    ours_verify = rate(
        lambda: verify_proof(signed, signed["proof"], KEY.public_key, loader=LOADER), n
    )
    ours_pipeline = rate(pipeline, n)
    general_n = max(50, n // 4)
    general_signs = rate(lambda: general_sign(document), general_n)
    signature = general_sign(document)
    general_verifies = rate(lambda: general_verify(document, signature), general_n)
    naive_n = max(20, n // 10)
    pyld_sign = rate(lambda: naive_sign(document), naive_n)
    pyld_verify = rate(lambda: naive_verify(signed), naive_n)
    file = KEY.to_key_file()
    js_key = {
        name: file[name]
        for name in ("id", "controller", "publicKeyMultibase", "secretKeyMultibase")
    }
    with DbStack() as stack:
        os.sched_setaffinity(stack.pid, {CORE})
        js_sign = stack.bench("sign", document, js_key, n)
        js_verify = stack.bench("verify", document, js_key, n)

    print(
        f"one core (cpu {CORE}); credential of {len(str(document))} characters with 3 reflections"
    )
    print(f"{'':30}{'per second':>12}{'vs naive pyld':>16}{'vs vc-js':>12}")
    rows = [
        ("sign: openbadges", ours_sign, pyld_sign, js_sign),
        ("sign: general path", general_signs, pyld_sign, js_sign),
        ("sign: naive pyld", pyld_sign, pyld_sign, js_sign),
        ("sign: vc-js", js_sign, pyld_sign, js_sign),
        ("verify proof: openbadges", ours_verify, pyld_verify, js_verify),
        ("verify all checks: openbadges", ours_pipeline, pyld_verify, js_verify),
        ("verify proof: general path", general_verifies, pyld_verify, js_verify),
        ("verify proof: naive pyld", pyld_verify, pyld_verify, js_verify),
        ("verify: vc-js", js_verify, pyld_verify, js_verify),
    ]
    for label, value, naive, js in rows:
        print(f"{label:30}{value:12.0f}{value / naive:15.1f}x{value / js:11.2f}x")


if __name__ == "__main__":
    main()
