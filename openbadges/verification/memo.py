"""Proofs already found valid, by the exact bytes they cover: a status list's signature.

The same holds for a credential verified again and again (an employer's verifier, the same
badge sent twice): `verify`'s ``credential_proofs`` keeps its proofs' outcomes too.

A status list credential is verified again for every badge that points to it, though it
changes only when one of its bits does. A `ProofMemo` remembers which Data Integrity proofs
verified, keyed by a digest of the exact document, the proof's position and the public key
it was checked with: the check is a pure function of those, so a remembered answer is never
stale. A list whose bit changed is another document, so another key: it is verified afresh.
Only successes are kept, and only the signature: dates and bits are read at each verification.
A VC-JWT's JWS is remembered the same way, by the exact compact token and the key.
"""

import hashlib
from collections import OrderedDict

from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from openbadges.canonical import Canonicalized
from openbadges.jsontypes import JSONObject, dumps
from openbadges.keys import PublicKey

__all__ = ["ProofMemo"]


class ProofMemo:
    """A bounded, least-recently-used memory of verified proofs (one per process is enough)."""

    def __init__(self, size: int = 64) -> None:
        self._size = size
        # A Data Integrity proof's canonical form; None for a JWS (its signature only).
        self._verified: OrderedDict[bytes, Canonicalized | None] = OrderedDict()

    @staticmethod
    def key(document: JSONObject, index: int, public_key: PublicKey) -> bytes:
        """What the proof's outcome depends on: the document as given, which proof, which key."""
        digest = hashlib.sha256(dumps(document))
        digest.update(b"\0%d\0" % index)
        digest.update(public_key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo))
        return digest.digest()

    @staticmethod
    def payload_key(document: JSONObject) -> bytes:
        """A VC-JWT's payload credential as given (its canonical form depends on nothing else)."""
        digest = hashlib.sha256(b"vc-jwt payload\0")
        digest.update(dumps(document))
        return digest.digest()

    def recall(self, key: bytes) -> Canonicalized | None:
        """The canonical form of a proof found valid before, or None."""
        found = self._verified.get(key)
        if found is not None:
            self._verified.move_to_end(key)
        return found

    def holds(self, key: bytes) -> bool:
        """Whether the signature `key` names was found valid before (a JWS's: `verify_jwt`)."""
        if key not in self._verified:
            return False
        self._verified.move_to_end(key)
        return True

    def remember(self, key: bytes, canonical: Canonicalized | None = None) -> None:
        """A valid proof's canonical form; a JWS's signature, without one."""
        self._verified[key] = canonical
        self._verified.move_to_end(key)
        while len(self._verified) > self._size:
            self._verified.popitem(last=False)

    def __len__(self) -> int:
        return len(self._verified)

    def clear(self) -> None:
        self._verified.clear()
