"""Poisoned datasets are refused within a second; benign repeated shapes still canonicalise."""

import threading
import time
from typing import Any

import pyoxigraph as ox
import pytest
from pyld import jsonld

from openbadges import canonical_limits
from openbadges.canonical import canonicalize, canonicalize_pair
from openbadges.contexts import ContextLoader
from openbadges.errors import InvalidDocument, PoisonedDataset
from tests.factories import explorer_credential

KNOWS = "https://example.org/vocab#knows"
LOADER = ContextLoader()


def clique(size: int) -> list[dict[str, Any]]:
    """Blank nodes that all point at each other: RDFC-1.0 §4.8 tries every permutation."""
    return [
        {"@id": f"_:n{i}", KNOWS: [{"@id": f"_:n{j}"} for j in range(size) if j != i]}
        for i in range(size)
    ]


def with_evidence(evidence: list[dict[str, Any]]) -> dict[str, Any]:
    document = explorer_credential("https://insigne.example/issuers/reseau")
    document["evidence"] = evidence
    return document


def pyld_nquads(document: dict[str, Any]) -> str:
    def load(url: str, options: object = None) -> dict[str, Any]:
        return {"contextUrl": None, "documentUrl": url, "document": LOADER.load(url)}

    settings = {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": load}
    result: str = jsonld.normalize(document, settings)
    return result


@pytest.mark.parametrize("size", [8, 12, 30])
def test_blank_node_clique_is_refused_within_a_second(size: int) -> None:
    started = time.process_time()

    with pytest.raises(PoisonedDataset, match="refused"):
        canonicalize(with_evidence(clique(size)), LOADER)

    assert time.process_time() - started < 1


def test_poisoned_dataset_is_an_invalid_document() -> None:
    with pytest.raises(InvalidDocument):
        canonicalize_pair(with_evidence(clique(8)), {"type": "DataIntegrityProof"}, LOADER)


@pytest.mark.parametrize("size", [2, 3])
def test_small_clique_is_canonicalised_like_pyld(size: int) -> None:
    document = with_evidence(clique(size))

    assert canonicalize(document, LOADER).document == pyld_nquads(document)


def test_identical_evidence_without_ids_is_canonicalised_like_pyld() -> None:
    evidence = {"type": ["Evidence"], "name": "Même réponse", "narrative": "Même texte."}
    document = with_evidence([dict(evidence) for _ in range(6)])
    del document["id"]  # the credential is a blank node too

    assert canonicalize(document, LOADER).document == pyld_nquads(document)


def test_long_chain_of_alike_nodes_is_canonicalised_like_pyld() -> None:
    chain = [{"@id": f"_:c{i}", KNOWS: {"@id": f"_:c{i + 1}"}} for i in range(40)]
    document = with_evidence(chain)

    assert canonicalize(document, LOADER).document == pyld_nquads(document)


def test_time_cap_counts_work_done_not_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    # A loaded machine (CI refused a valid chain) must not turn a benign document into a poisoned one.
    document = with_evidence([{"@id": f"_:c{i}", KNOWS: {"@id": f"_:c{i + 1}"}} for i in range(40)])
    canonicalize(document, LOADER)  # warm: the cap is set from a run like the one measured
    started = time.thread_time()
    canonicalize(document, LOADER)
    monkeypatch.setattr(canonical_limits, "MAX_SECONDS", 2.5 * (time.thread_time() - started))
    stop = threading.Event()

    def hold_the_interpreter() -> None:
        while not stop.is_set():
            sum(range(1000))

    # Four threads hold the interpreter four turns in five: the run waits about five times
    # its own work, well past the cap, whatever else the machine is doing.
    busy = [threading.Thread(target=hold_the_interpreter) for _ in range(4)]
    for thread in busy:
        thread.start()
    try:
        began = time.monotonic()
        result = canonicalize(document, LOADER)
        waited = time.monotonic() - began
    finally:
        stop.set()
        for thread in busy:
            thread.join()

    assert waited > canonical_limits.MAX_SECONDS  # the machine was busy beyond the cap...
    assert result.document == pyld_nquads(document)  # ...yet the document is canonicalised


def test_long_cycle_of_alike_nodes_is_refused_not_a_recursion_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The nesting cap is what refuses here; on a loaded machine the time cap came first.
    monkeypatch.setattr(canonical_limits, "MAX_SECONDS", 60.0)
    cycle = [{"@id": f"_:r{i}", KNOWS: {"@id": f"_:r{(i + 1) % 1000}"}} for i in range(1000)]

    with pytest.raises(PoisonedDataset, match="nested"):
        canonicalize(with_evidence(cycle), LOADER)


def test_time_cap_refuses_what_the_work_budget_would_allow(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(canonical_limits, "MAX_WORK", 10**9)
    monkeypatch.setattr(canonical_limits, "MAX_SECONDS", 0.0)

    with pytest.raises(PoisonedDataset, match="took more than"):
        canonicalize(with_evidence(clique(7)), LOADER)


def test_language_tagged_alike_nodes_are_canonicalised_like_pyld() -> None:
    evidence = {"type": ["Evidence"], "name": {"@value": "Réponse", "@language": "fr-CA"}}
    document = with_evidence([dict(evidence) for _ in range(3)])

    assert canonicalize(document, LOADER).document == pyld_nquads(document)


def test_metered_canonicalisation_labels_with_sha384_as_pyoxigraph_does() -> None:
    # Two alike evidence objects go to the metered path; P-384 suites ask for SHA-384 labels.
    evidence = [
        {"type": ["Evidence"], "name": "Réponse"},
        {"type": ["Evidence"], "name": "Réponse"},
    ]
    document = with_evidence(evidence)
    quads = canonicalize(document, LOADER).quads
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0_SHA_384)
    native = "".join(sorted(f"{quad} .\n" for quad in dataset))

    metered = canonicalize_pair(document, None, LOADER, hash_algorithm="sha384").document
    plain = canonical_limits.canonical_nquads_metered(quads, "sha384")

    assert metered == native
    assert sorted(plain.splitlines()) == sorted(native.splitlines())
    assert metered != canonicalize(document, LOADER).document
