"""``insigne achievements …`` as an operator runs it: a real subprocess on a fresh data folder."""

import json
from pathlib import Path

from tests.service.achievements.conftest import DEFINITION, SLUG
from tests.service.test_cli import insigne, output


def test_the_operator_creates_updates_illustrates_and_archives_an_achievement(
    tmp_path: Path,
) -> None:
    assert insigne(tmp_path, "db", "upgrade").returncode == 0
    output(insigne(tmp_path, "demo"))
    (tmp_path / "definition.json").write_text(json.dumps(DEFINITION), encoding="utf-8")
    (tmp_path / "changes.json").write_text('{"tags": ["ia"]}', encoding="utf-8")
    (tmp_path / "badge.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" onload="x()"><circle r="4"/></svg>'
    )

    created = output(
        insigne(tmp_path, "achievements", "create", "--file", str(tmp_path / "definition.json"))
    )
    updated = output(
        insigne(tmp_path, "achievements", "update", SLUG, "--file", str(tmp_path / "changes.json"))
    )
    pictured = output(
        insigne(tmp_path, "achievements", "set-image", SLUG, "--file", str(tmp_path / "badge.svg"))
    )
    archived = output(insigne(tmp_path, "achievements", "archive", SLUG))
    shown = output(insigne(tmp_path, "achievements", "show", SLUG))
    listed = output(insigne(tmp_path, "achievements", "list"))
    refused = insigne(tmp_path, "achievements", "update", SLUG, "--file", str(tmp_path / "x"))

    assert created["version"] == 1
    assert created["prompts"][0]["texts"]["en"] == "What did you try in class with AI?"
    assert (updated["version"], updated["tags"]) == (2, ["ia"])
    assert pictured["version"] == 3
    assert pictured["image"].endswith(".svg")
    assert archived["archivedAt"] is not None
    assert shown == archived
    assert {a["slug"] for a in listed} == {SLUG, "leadership-pedagonumerique-1-explorateur"}
    assert refused.returncode == 2
    assert "file: cannot be read" in refused.stderr


def test_a_bad_definition_is_refused_with_the_field_named(tmp_path: Path) -> None:
    assert insigne(tmp_path, "db", "upgrade").returncode == 0
    output(insigne(tmp_path, "demo"))
    (tmp_path / "bad.json").write_text('{"colour": "bleu"}', encoding="utf-8")

    result = insigne(tmp_path, "achievements", "create", "--file", str(tmp_path / "bad.json"))

    assert result.returncode == 2
    assert "colour: is not a known field" in result.stderr
    assert result.stdout == ""
