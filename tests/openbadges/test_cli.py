"""The command line, run as a user would: files, standard input, output and error.

Called in process (`tests.cli`); the last test runs the installed script.
"""

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import png
import pytest

from openbadges.cli import main
from tests.cli import Ran, run_main
from tests.factories import explorer_credential
from tests.openbadges.verification.test_clr import KEYS, controller


def run(*args: str, stdin: bytes | None = None) -> Ran:
    """``python -m openbadges ARGS`` in process, with `stdin` on its standard input."""
    return run_main(main, args, stdin=stdin or b"")


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cli")


@pytest.fixture(scope="module")
def key_file(workdir: Path) -> Path:
    issuer = "https://insigne.example/issuers/cli"
    result = run("keygen", "--controller", issuer, "--vm-id", f"{issuer}#key-1")
    assert result.returncode == 0, result.stderr
    path = workdir / "key.json"
    path.write_bytes(result.stdout)
    return path


def key(key_file: Path) -> Any:
    return json.loads(key_file.read_text())


def test_keygen_prints_a_key_file_with_its_controller_document(key_file: Path) -> None:
    data = key(key_file)

    assert data["type"] == "Multikey"
    assert data["secretKeyMultibase"].startswith("z3u2")
    assert data["controllerDocument"]["assertionMethod"] == [data["id"]]


@pytest.mark.parametrize("kind", ["rsa", "p256"])
def test_keygen_other_types(kind: str) -> None:
    data = json.loads(run("keygen", "--type", kind).stdout)

    assert data["type"] == "JsonWebKey"
    assert "d" not in data["publicKeyJwk"]


def test_sign_then_verify_from_stdin(workdir: Path, key_file: Path) -> None:
    credential = explorer_credential(key(key_file)["controller"])
    (workdir / "doc.json").write_text(json.dumps(key(key_file)["controllerDocument"]))

    signed = run("sign", "-", "--key", str(key_file), stdin=json.dumps(credential).encode())
    assert signed.returncode == 0, signed.stderr
    assert isinstance(json.loads(signed.stdout)["proof"], list)

    checked = run("verify", "-", "--key-doc", str(workdir / "doc.json"), stdin=signed.stdout)
    report = json.loads(checked.stdout)
    assert checked.returncode == 0, report
    assert report["verified"] is True

    tampered = signed.stdout.replace(b"Explorateur", b"Explorateuse")
    assert (
        run("verify", "-", "--key-doc", str(workdir / "doc.json"), stdin=tampered).returncode == 1
    )


def test_sign_jwt_bake_extract_verify(workdir: Path) -> None:
    rsa_file = workdir / "rsa.json"
    rsa_file.write_bytes(run("keygen", "--type", "rsa").stdout)
    credential = workdir / "credential.json"
    credential.write_text(json.dumps(explorer_credential(key(rsa_file)["controller"])))
    token = run("sign", str(credential), "--key", str(rsa_file), "--format", "jwt").stdout.strip()
    (workdir / "token.jwt").write_bytes(token)
    image = io.BytesIO()
    png.Writer(1, 1, greyscale=True).write(image, [[128]])
    (workdir / "badge.png").write_bytes(image.getvalue())

    baked = run(
        "bake",
        str(workdir / "badge.png"),
        "--credential",
        str(workdir / "token.jwt"),
        "-o",
        str(workdir / "baked.png"),
    )
    assert baked.returncode == 0, baked.stderr
    assert run("extract", str(workdir / "baked.png")).stdout.strip() == token
    report = json.loads(run("verify", str(workdir / "baked.png")).stdout)
    assert report["verified"] is True
    assert report["format"] == "jwt"


def test_verify_respects_now_and_email(workdir: Path, key_file: Path) -> None:
    credential = explorer_credential(key(key_file)["controller"])
    (workdir / "doc.json").write_text(json.dumps(key(key_file)["controllerDocument"]))
    signed = run("sign", "-", "--key", str(key_file), stdin=json.dumps(credential).encode()).stdout
    early = run(
        "verify",
        "-",
        "--key-doc",
        str(workdir / "doc.json"),
        "--now",
        "2020-01-01T00:00:00Z",
        stdin=signed,
    )
    someone = run(
        "verify",
        "-",
        "--key-doc",
        str(workdir / "doc.json"),
        "--email",
        "x@exemple.ca",
        stdin=signed,
    )

    assert early.returncode == 1
    assert {c["code"] for c in json.loads(early.stdout)["checks"] if c["status"] == "failed"} == {
        "valid-from"
    }
    assert someone.returncode == 1


def test_bad_input_is_a_message_not_a_traceback(workdir: Path, key_file: Path) -> None:
    (workdir / "broken.json").write_text("{")
    result = run("sign", str(workdir / "broken.json"), "--key", str(key_file))

    assert result.returncode == 2
    assert b"Traceback" not in result.stderr
    assert result.stderr.startswith(b"openbadges sign:")


def test_verify_serves_a_key_doc_under_another_url_and_reports_a_verdict(
    workdir: Path, shared: Path
) -> None:
    corpus = shared / "wild-corpus"
    keydoc = corpus / "008-dcc-v2-di-didweb.keydoc.json"
    document_id = json.loads(keydoc.read_text())["id"]

    served = run(
        "verify",
        str(corpus / "008-dcc-v2-di-didweb.json"),
        "--key-doc",
        f"{document_id}={keydoc}",
        "--now",
        "2026-11-21T00:00:00Z",
        "--lang",
        "fr",
    )
    missing = run(
        "verify", str(corpus / "008-dcc-v2-di-didweb.json"), "--now", "2026-11-21T00:00:00Z"
    )

    report = json.loads(served.stdout)
    assert served.returncode == 0, served.stderr
    assert (report["verdict"], report["headline"][:8]) == ("valid", "Ce badge")
    assert json.loads(missing.stdout)["verdict"] == "unverifiable"


def test_verify_reports_a_clr_records_credentials_with_served_key_docs(
    workdir: Path, shared: Path
) -> None:
    # shared/clr-examples publishes no controller document: it is built from the method's key.
    issuer = "https://example.edu/issuers/565049"
    keydoc = workdir / "clr-issuer.json"
    keydoc.write_text(json.dumps(controller(issuer, KEYS[issuer])))
    record = shared / "clr-examples" / "1edtech-clr-test-vector" / "signed.json"

    result = run("verify", str(record), "--key-doc", f"{issuer}={keydoc}", "--lang", "fr")

    report = json.loads(result.stdout)
    assert result.returncode == 0, result.stderr
    assert report["verdict"] == "valid"
    assert [c["status"] for c in report["checks"] if c["code"] == "embedded"] == ["passed"]
    assert [nested["verdict"] for nested in report["embedded"]] == ["valid"]


def test_the_module_runs_in_a_process_of_its_own() -> None:
    """``python -m openbadges``, as the README shows it (in the development environment the
    ``openbadges`` script is PyPI openbadgeslib's, a test dependency with a script of that name)."""
    made = subprocess.run(
        [sys.executable, "-m", "openbadges", "keygen"], capture_output=True, timeout=60, check=False
    )

    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["type"] == "Multikey"
