"""``insigne issuers …`` and ``insigne clients list|show``: the operator's administration."""

import sqlite3
from pathlib import Path

import pytest

from tests.service.test_cli import insigne, output
from tests.service.test_issuer_logos import PNG, LogoSite, site  # noqa: F401 - the fixture


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("insigne-admin")
    assert insigne(folder, "db", "upgrade").returncode == 0
    output(insigne(folder, "demo"))
    return folder


def test_issuers_create_update_show_and_list(data_dir: Path) -> None:
    created = output(
        insigne(
            data_dir,
            "issuers",
            "create",
            "--slug",
            "reseau-estrie",
            "--name",
            "Réseau Estrie",
            "--url",
            "https://reseau-estrie.exemple.qc.ca",
            "--email",
            "badges@reseau-estrie.exemple.qc.ca",
            "--parent",
            "reseau-demo",
        )
    )
    updated = output(
        insigne(
            data_dir,
            "issuers",
            "update",
            "reseau-estrie",
            "--name",
            "Réseau de l'Estrie",
            "--clear",
            "image",
        )
    )
    shown = output(insigne(data_dir, "issuers", "show", "reseau-estrie"))
    listed = output(insigne(data_dir, "issuers", "list"))

    assert created["id"] == "did:web:localhost%3A8000:issuers:reseau-estrie"
    assert created["parentOrganisation"] == "reseau-demo"
    assert updated == shown
    assert shown["name"] == "Réseau de l'Estrie"
    assert shown["image"] is None
    assert shown["parentOrganisation"] == "reseau-demo"
    assert [issuer["slug"] for issuer in listed] == ["reseau-demo", "reseau-estrie"]


def test_issuers_refusals_exit_with_2_and_say_why(data_dir: Path) -> None:
    taken = insigne(
        data_dir,
        "issuers",
        "create",
        "--slug",
        "reseau-demo",
        "--name",
        "Doublon",
        "--url",
        "https://exemple.qc.ca",
        "--email",
        "a@exemple.qc.ca",
    )
    looping = insigne(data_dir, "issuers", "update", "reseau-demo", "--parent", "reseau-demo")
    missing = insigne(data_dir, "issuers", "show", "inconnu")

    assert (taken.returncode, looping.returncode, missing.returncode) == (2, 2, 2)
    assert "exists" in taken.stderr
    assert "ancestor" in looping.stderr
    assert "no issuer" in missing.stderr


def test_clients_list_and_show_never_print_a_secret(data_dir: Path) -> None:
    created = output(
        insigne(
            data_dir,
            "clients",
            "create",
            "--name",
            "Moodle CSS",
            "--scope",
            "completions:write",
            "--issuer",
            "reseau-demo",
        )
    )
    listed = insigne(data_dir, "clients", "list")
    shown = output(insigne(data_dir, "clients", "show", created["clientId"]))

    assert created["clientSecret"] not in listed.stdout
    assert created["clientId"] in [client["clientId"] for client in output(listed)]
    assert shown["clientId"] == created["clientId"]
    assert shown["scopes"] == ["completions:write"]
    assert shown["issuers"] == ["reseau-demo"]
    assert set(shown) == {"clientId", "name", "scopes", "issuers", "createdAt", "disabledAt"}
    assert insigne(data_dir, "clients", "show", "ins_personne").returncode == 2


def test_fetch_logos_brings_home_logos_stored_as_foreign_urls(
    data_dir: Path,
    site: LogoSite,  # noqa: F811 - the fixture imported above
) -> None:
    loopback = {"INSIGNE_FETCH_HTTP_HOSTS": "127.0.0.1"}
    with sqlite3.connect(data_dir / "insigne.db") as db:  # set before logos were fetched
        db.execute(
            "UPDATE issuers SET image_url = ? WHERE slug = 'reseau-demo'",
            (f"{site.base}/logo.png",),
        )
    created = output(
        insigne(
            data_dir,
            *("issuers", "create", "--slug", "sans-logo", "--name", "Sans logo"),
            *("--url", "https://sans-logo.exemple.qc.ca", "--email", "a@sans-logo.qc.ca"),
            env_extra=loopback,
        )
    )
    fetched = output(insigne(data_dir, "issuers", "fetch-logos", env_extra=loopback))
    again = output(insigne(data_dir, "issuers", "fetch-logos", env_extra=loopback))
    shown = output(insigne(data_dir, "issuers", "show", "reseau-demo"))

    assert created["image"] is None
    assert [item["slug"] for item in fetched] == ["reseau-demo"]
    assert fetched[0]["error"] is None
    assert shown["image"] == fetched[0]["image"]
    assert shown["image"].startswith("http://localhost:8000/images/")
    assert again == []  # nothing foreign left
    assert site.requests == ["/logo.png"]
