import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyld import jsonld

from openbadges.canonical import canonicalize, canonicalize_pair
from openbadges.contexts import ContextLoader
from openbadges.errors import ContextNotFound, InvalidDocument

EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"


@pytest.fixture(scope="module")
def loader(shared: Path) -> ContextLoader:
    examples = json.loads(
        (shared / "vc-test-vectors/contexts/credentials-examples-v2.jsonld").read_text()
    )
    return ContextLoader({EXAMPLES_V2: examples})


def pyld_nquads(document: dict[str, Any], loader: ContextLoader) -> str:
    """The independent reference: pyld's URDNA2015 (identical to RDFC-1.0 for these inputs)."""

    def load(url: str, options: object = None) -> dict[str, Any]:
        return {"contextUrl": None, "documentUrl": url, "document": loader.load(url)}

    result: str = jsonld.normalize(
        document,
        {
            "algorithm": "URDNA2015",
            "format": "application/n-quads",
            "documentLoader": load,
            "base": None,
        },
    )
    return result


def read(path: Path) -> Any:
    return json.loads(path.read_text())


def test_w3c_vector_document_and_proof_are_byte_exact(shared: Path, loader: ContextLoader) -> None:
    vectors = shared / "vc-test-vectors/w3c-vc-di-eddsa"
    proof_config = read(vectors / "eddsa-rdfc-2022/proofConfigDataInt.json")
    del proof_config["@context"]

    result = canonicalize_pair(read(vectors / "unsigned.json"), proof_config, loader)

    assert result.document == (vectors / "eddsa-rdfc-2022/canonDocDataInt.txt").read_text()
    assert result.proof == (vectors / "eddsa-rdfc-2022/proofCanonDataInt.txt").read_text()
    assert result.is_safe


def test_1edtech_ob_vector_document_and_proof_are_byte_exact(
    shared: Path, loader: ContextLoader
) -> None:
    vectors = shared / "vc-test-vectors/1edtech-ob30"

    result = canonicalize_pair(
        read(vectors / "unsigned.json"), read(vectors / "proofOptions.json"), loader
    )

    assert result.document == (vectors / "document-canon.txt").read_text()
    assert result.proof == (vectors / "proof-canon.txt").read_text()


@pytest.mark.parametrize(
    "name",
    [
        "ob-examples/full_ex.json",
        "ob-examples/minimal_valid_obv3.json",
        "wild-corpus/003-dcc-v2-di-didkey-complex-issuer.json",
        "wild-corpus/016-dcc-v2-both-didkey-endorsement.json",
        "wild-corpus/019-dcc-v1-di-didweb-valid-status.json",
        "wild-corpus/030-1edtech-complete.json",
        "wild-corpus/037-jff-plugfest2-ed2020.json",
    ],
)
def test_documents_match_pyld(shared: Path, loader: ContextLoader, name: str) -> None:
    document = read(shared / name)
    document.pop("proof", None)

    assert canonicalize(document, loader).document == pyld_nquads(document, loader)


def test_embedded_credential_keeps_its_proof_graph(shared: Path, loader: ContextLoader) -> None:
    document = read(shared / "ob-examples/full_ex.json")  # endorsements carry their own proofs

    nquads = canonicalize(document, loader).document

    assert nquads == pyld_nquads(document, loader)
    assert any(line.count("_:c14n") >= 2 for line in nquads.splitlines())


def test_undefined_term_and_relative_iri_are_reported(shared: Path, loader: ContextLoader) -> None:
    document = read(shared / "vc-test-vectors/1edtech-ob30/unsigned.json")
    document["favouriteColour"] = "bleu"
    document["credentialSubject"]["id"] = "relative/subject"

    result = canonicalize(document, loader)

    assert result.undefined_terms == {"favouriteColour"}
    assert result.relative_iris == {"relative/subject"}
    assert not result.is_safe
    assert result.document == pyld_nquads(document, loader)  # exact even when unsafe


def test_terms_from_a_context_vocab_are_defined(shared: Path, loader: ContextLoader) -> None:
    document = read(
        shared / "vc-test-vectors/w3c-vc-di-eddsa/unsigned.json"
    )  # examples context has @vocab

    assert canonicalize(document, loader).is_safe


def test_issuer_dependent_terms_are_told_apart(loader: ContextLoader) -> None:
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": {"id": "did:example:subject", "favouriteColour": "vert"},
    }
    with_vocab = {
        **document,
        "@context": [
            *document["@context"],
            {"@vocab": "https://www.w3.org/ns/credentials/issuer-dependent#"},
        ],
    }

    assert canonicalize(document, loader).undefined_terms == {"favouriteColour"}
    result = canonicalize(with_vocab, loader)
    assert result.issuer_dependent_terms == {"favouriteColour"}
    assert result.is_safe


def test_unknown_context_fails_closed(loader: ContextLoader) -> None:
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://evil.example/context.json"]
    }

    with pytest.raises(ContextNotFound, match=r"evil\.example"):
        canonicalize(document, loader)


@pytest.mark.parametrize(
    "document",
    [{}, {"@context": 5}, {"@context": ["https://www.w3.org/ns/credentials/v2"], "@id": 3}],
)
def test_invalid_json_ld_raises_invalid_document(
    loader: ContextLoader, document: dict[str, Any]
) -> None:
    with pytest.raises(InvalidDocument):
        canonicalize(document, loader)


def test_nested_proof_options_are_canonicalised_apart(shared: Path, loader: ContextLoader) -> None:
    vectors = shared / "vc-test-vectors/1edtech-ob30"
    options = read(vectors / "proofOptions.json")
    flat = canonicalize_pair(read(vectors / "unsigned.json"), options, loader)
    nested = canonicalize_pair(
        read(vectors / "unsigned.json"), {**options, "domain": ["a.example"]}, loader
    )
    assert nested.document == flat.document

    with_object = canonicalize_pair(
        read(vectors / "unsigned.json"), {**options, "challenge": {"@value": "x"}}, loader
    )
    assert with_object.proof == pyld_nquads(
        {
            "@context": read(vectors / "unsigned.json")["@context"],
            **options,
            "challenge": {"@value": "x"},
        },
        loader,
    )


# pyld still escapes control characters the RDF 1.1 way; RDFC-1.0 uses RDF 1.2's canonical
# N-Quads escapes (as jsonld.js does), checked separately below.
texts = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=300)


def test_control_characters_use_canonical_escapes(loader: ContextLoader) -> None:
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:1",
        "type": ["VerifiableCredential"],
        "name": 'a\tb\x07c\x0bd\x0ce\bf\ng\rh\x7fi"j\\k é',
    }

    lines = canonicalize(document, loader).document.splitlines()

    assert (
        "<urn:uuid:1> <https://schema.org/name> "
        '"a\\tb\\u0007c\\u000Bd\\fe\\bf\\ng\\rh\\u007Fi\\"j\\\\k é" .' in lines
    )


@settings(max_examples=40, deadline=None)
@given(name=texts, narrative=texts, answer=texts)
def test_arbitrary_text_matches_pyld(
    shared: Path, loader: ContextLoader, name: str, narrative: str, answer: str
) -> None:
    document = copy.deepcopy(read(shared / "vc-test-vectors/1edtech-ob30/unsigned.json"))
    document["name"] = name
    document["credentialSubject"]["achievement"]["criteria"]["narrative"] = narrative
    document["evidence"] = [{"type": ["Evidence"], "narrative": answer, "name": "Réflexion « 1 »"}]

    assert canonicalize(document, loader).document == pyld_nquads(document, loader)
