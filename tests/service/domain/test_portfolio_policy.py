"""The visibility policy's portfolio rules, as pure decisions (no database)."""

import uuid

import pytest

from service.domain.clients.clients import Principal
from service.domain.clients.visibility import CredentialFacts, Viewer

SUBMITTER = uuid.uuid4()


def _facts(*, hidden: bool = False, issuer: str = "reseau-demo") -> CredentialFacts:
    return CredentialFacts(uuid.uuid4(), issuer, SUBMITTER, False, False, hidden)


def _viewer(scopes: set[str], issuers: frozenset[str] = frozenset()) -> Viewer:
    principal = Principal(
        id=uuid.uuid4(),
        client_id="plateforme",
        name="Plateforme",
        scopes=frozenset(scopes),
        issuer_slugs=frozenset(issuers),
    )
    return Viewer(principal=principal)


def test_a_linked_portfolio_reader_lists_hidden_badges_of_its_issuer_only() -> None:
    viewer = _viewer({"portfolio:read"}, frozenset({"reseau-demo"}))

    assert viewer.may_list(_facts(hidden=True))
    assert not viewer.may_list(_facts(hidden=True, issuer="autre-reseau"))
    assert viewer.may_list(_facts(issuer="autre-reseau"))


def test_a_portfolio_reader_does_not_read_private_reflections() -> None:
    viewer = _viewer({"portfolio:read"}, frozenset({"reseau-demo"}))

    assert not viewer.may_read_reflections(_facts())


@pytest.mark.parametrize(
    ("scopes", "allowed"),
    [({"portfolio:read"}, True), ({"admin"}, True), ({"credentials:read"}, False), (set(), False)],
)
def test_learners_are_looked_up_with_the_portfolio_scope(scopes: set[str], allowed: bool) -> None:
    assert _viewer(scopes).may_look_up_learners() is allowed
    assert Viewer().may_look_up_learners() is False


def test_stats_are_for_the_issuers_linked_clients() -> None:
    assert _viewer({"portfolio:read"}, frozenset({"reseau-demo"})).may_read_stats("reseau-demo")
    assert not _viewer({"portfolio:read"}).may_read_stats("reseau-demo")
    assert not _viewer({"completions:write"}, frozenset({"reseau-demo"})).may_read_stats(
        "reseau-demo"
    )
    assert not Viewer().may_read_stats("reseau-demo")


@pytest.mark.parametrize(
    ("scopes", "issuers", "follows"),
    [
        ({"admin"}, {"reseau-demo"}, True),
        ({"credentials:read"}, {"reseau-demo"}, True),
        ({"completions:write"}, {"reseau-demo"}, False),  # linked, but may not read records
        ({"portfolio:read"}, {"reseau-demo"}, False),
        ({"admin"}, {"autre-reseau"}, False),
    ],
)
def test_webhook_events_go_to_those_who_may_read_the_record(
    scopes: set[str], issuers: set[str], follows: bool
) -> None:
    viewer = _viewer(scopes, frozenset(issuers))

    assert viewer.may_follow(issuer_slug="reseau-demo", submitted_by=SUBMITTER) is follows
    assert viewer.may_follow(issuer_slug="reseau-demo", submitted_by=SUBMITTER) is (
        viewer.may_read_record(_facts())
    )


def test_the_submitting_platform_follows_its_own_credentials() -> None:
    submitter = Viewer(
        principal=Principal(
            id=SUBMITTER,
            client_id="plateforme",
            name="Plateforme",
            scopes=frozenset({"completions:write"}),
            issuer_slugs=frozenset(),
        )
    )

    assert submitter.may_follow(issuer_slug="reseau-demo", submitted_by=SUBMITTER)
    assert not Viewer().may_follow(issuer_slug="reseau-demo", submitted_by=SUBMITTER)
