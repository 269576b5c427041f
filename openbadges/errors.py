"""Exceptions raised by `openbadges`.

The library raises only on misuse or on input it cannot work with; `verify()` reports
problems in its result instead of raising. The tree::

    OpenBadgesError
    ├── InvalidDocument          a credential, key or controller document is malformed
    │   └── PoisonedDataset      canonicalising it would exceed the RDFC-1.0 work budget
    ├── ContextNotFound          a JSON-LD context URL is not among the bundled ones
    ├── InvalidKey               key material of the wrong type, size or encoding
    ├── ProofError               a proof cannot be created or checked
    │   ├── UnsupportedCryptosuite
    │   └── KeyResolutionError   the verification method cannot be found or is not allowed
    │       └── DocumentUnavailable  a document could not be had (unreachable host, offline)
    │           └── BudgetExhausted  the verification's budget (fetches, keys, time) ran out
    ├── StatusListError          a status list cannot be decoded or an index is out of range
    └── BakingError              an image cannot be baked or holds no (or several) credentials
"""


class OpenBadgesError(Exception):
    """Base class of every exception this library raises."""


class InvalidDocument(OpenBadgesError):
    """A document is not what it claims to be (bad JSON, wrong types, missing members)."""


class PoisonedDataset(InvalidDocument):
    """Canonicalising a document would exceed the work budget (RDFC-1.0 dataset poisoning).

    See https://www.w3.org/TR/rdf-canon/#dataset-poisoning.
    """


class ContextNotFound(OpenBadgesError):
    """A JSON-LD context was requested that is not bundled; nothing is fetched."""


class InvalidKey(OpenBadgesError):
    """Key material has the wrong type, length or encoding."""


class ProofError(OpenBadgesError):
    """A proof could not be created or verified."""


class UnsupportedCryptosuite(ProofError):
    """The proof uses a type or cryptosuite this library does not implement."""


class KeyResolutionError(ProofError):
    """A verification method could not be resolved, or is not authorised for the issuer."""


class DocumentUnavailable(KeyResolutionError):
    """A document could not be had at all (host unreachable, not served offline).

    Unlike its parent, it says nothing about the credential: what needed the document could
    not be checked, so the verdict is "unverifiable" rather than "invalid".
    """


class BudgetExhausted(DocumentUnavailable):
    """A verification stopped short: its budget of fetches, keys or time ran out.

    Like its parent it says nothing about the credential; the report's ``budget`` check says
    which limit was reached.
    """

    def __init__(self, message: str, limit: str = "") -> None:
        """Say why; `limit` names what ran out (``fetches``, ``keys``, ``time``...)."""
        super().__init__(message)
        self.limit = limit


class StatusListError(OpenBadgesError):
    """A status list is malformed, too short, or an index is out of range."""


class BakingError(OpenBadgesError):
    """An image could not be baked, or extraction found no or several credentials."""
