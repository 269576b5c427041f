"""Messages by code: every code is said in English and French over the same parameters, every
code the service raises is in the table, and problem details carry the code in either
language."""

import ast
import re
import string
from pathlib import Path

import httpx
import pytest

from service.domain.texts import TEXTS, Said, say

ROOT = Path(__file__).resolve().parents[2]
_SAID = re.compile(r"""Said\(\s*["']([^"']+)["']""")


def _fields(template: str) -> set[str]:
    """The parameters a template names; ``x_en`` and ``x_fr`` are one parameter, worded twice."""
    return {
        name.removesuffix("_en").removesuffix("_fr")
        for _, name, _, _ in string.Formatter().parse(template)
        if name
    }


@pytest.mark.no_sql
def test_every_code_has_english_and_french_over_the_same_parameters() -> None:
    lacking = [
        f"{code}: no {language}"
        for code, texts in TEXTS.items()
        for language, text in zip(("English", "French"), texts, strict=True)
        if not text.strip()
    ]
    mismatched = [
        f"{code}: English takes {sorted(_fields(english))}, French {sorted(_fields(french))}"
        for code, (english, french) in TEXTS.items()
        if _fields(english) != _fields(french)
    ]

    assert not lacking, "codes without a text:\n" + "\n".join(lacking)
    assert not mismatched, "codes whose languages differ:\n" + "\n".join(mismatched)


@pytest.mark.no_sql
def test_every_code_raised_is_in_the_table() -> None:
    raised = {
        f"{path.relative_to(ROOT)}: {code}"
        for package in ("service", "schema")
        for path in (ROOT / package).rglob("*.py")
        if path.name != "texts.py"  # its docstring shows how to raise one
        for code in _SAID.findall(path.read_text(encoding="utf-8"))
        if code not in TEXTS
    }

    assert not raised, "add these codes to service/domain/texts.py:\n" + "\n".join(sorted(raised))


@pytest.mark.no_sql
def test_a_message_renders_its_parameters_in_each_language() -> None:
    said = Said("issuer-key-unknown", slug="reseau-demo", key="k1")

    assert str(said) == "issuer 'reseau-demo' has no key 'k1'"
    assert say(said, "fr") == "l'émetteur 'reseau-demo' n'a pas de clé 'k1'"
    assert say("a library's own words", "fr") == "a library's own words"


async def test_problem_details_carry_the_code_in_both_languages(
    client: httpx.AsyncClient,
) -> None:
    english = await client.get("/api/v1/achievements/pas-de-tel-badge")
    french = await client.get(
        "/api/v1/achievements/pas-de-tel-badge", headers={"Accept-Language": "fr-CA"}
    )
    no_token = await client.get(
        "/api/v1/credentials/00000000-0000-0000-0000-000000000000",
        headers={"Accept-Language": "fr"},
    )

    assert english.status_code == french.status_code == 404
    assert english.json()["detail"] == "no achievement 'pas-de-tel-badge'"
    assert french.json()["detail"] == "aucun badge 'pas-de-tel-badge'"
    assert english.json()["code"] == french.json()["code"] == "achievement-unknown"
    assert no_token.status_code == 401
    assert no_token.json()["code"] == "token-required"
    assert no_token.json()["detail"] == (
        "un jeton d'accès Bearer est requis (voir POST /oauth/token)"
    )


async def test_messages_that_had_no_french_have_it_now(client: httpx.AsyncClient) -> None:
    image = await client.get(f"/images/{'0' * 64}.png", headers={"Accept-Language": "fr"})
    both = await client.post(
        "/api/v1/verifications",
        json={"jwt": "a.b.c", "url": "https://example.org/x"},
        headers={"Accept-Language": "fr"},
    )

    assert image.status_code == 404
    assert image.json()["detail"] == "image introuvable"  # English before: no pattern matched
    assert image.json()["code"] == "no-such-image"
    assert both.status_code == 422
    assert both.json()["errors"][0]["message"] == (
        "envoyez exactement un des champs credential, jwt ou url, ou une image"
    )


ERRORS = {
    "DomainError", "NotFound", "Conflict", "Archived", "Gone", "Forbidden", "Unauthorized",
    "InvalidInput", "MalformedBody", "UnreachableDocument", "TooManyAttempts", "OAuthError",
    "WalletOAuthError", "FetchError", "Withdrawn",
}  # fmt: skip
"""The domain's errors and their subclasses: what they say reaches API clients."""


def _module(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def _is_said(annotation: ast.expr | None) -> bool:
    """`Said`, or ``Said | None`` (a refusal that may be none, tested before it is raised)."""
    text = "" if annotation is None else ast.unparse(annotation).strip("'\"")
    return text in {"Said", "Said | None"}


TREES = {
    path: ast.parse(path.read_text(encoding="utf-8"))
    for package in ("service", "schema")
    for path in (ROOT / package).rglob("*.py")
}
ERROR_HOMES = {
    (_module(path), node.name)
    for path, tree in TREES.items()
    for node in ast.walk(tree)
    if isinstance(node, ast.ClassDef) and node.name in ERRORS and node.bases
}
"""Where each error is defined: a class of the same name with no base is not one of them."""


def _said_constants(tree: ast.Module) -> set[str]:
    return {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
        if getattr(node.value.func, "id", "") == "Said"
        for target in node.targets
        if isinstance(target, ast.Name)
    }


SAID_CONSTANTS = {name for tree in TREES.values() for name in _said_constants(tree)}
"""Module constants defined as a `Said` (e.g. ``BAD_TEXT``), wherever they are imported."""
SAID_FUNCTIONS = {
    node.name
    for tree in TREES.values()
    for node in ast.walk(tree)
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and _is_said(node.returns)
}
"""Functions that return a `Said` (their return annotation says so; mypy checks it)."""


def _said_names(tree: ast.Module) -> set[str]:
    """Names a module annotates as a `Said`: parameters, variables and (``.name``) attributes."""
    arguments = {
        argument.arg
        for node in ast.walk(tree)
        if isinstance(node, ast.arguments)
        for argument in (*node.posonlyargs, *node.args, *node.kwonlyargs)
        if _is_said(argument.annotation)
    }
    variables = {
        node.target.id if isinstance(node.target, ast.Name) else f".{node.target.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name | ast.Attribute)
        if _is_said(node.annotation)
    }
    return arguments | variables | _said_constants(tree) | SAID_CONSTANTS


def _foreign(tree: ast.Module) -> set[str]:
    """Names of the errors above that the module imports from where they are not errors."""
    return {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
        for alias in node.names
        if alias.name in ERRORS and (node.module, alias.name) not in ERROR_HOMES
    }


def _message_arguments(call: ast.Call, foreign: set[str]) -> list[ast.expr]:
    """The arguments of `call` that are its message, if it builds an error or a field problem."""
    name = call.func.id if isinstance(call.func, ast.Name) else None
    if name in foreign:
        return []
    if name == "FieldProblem":
        return call.args[1:2]
    if name in {"OAuthError", "WalletOAuthError"}:
        return call.args[1:2]
    if name in ERRORS and name != "InvalidInput":
        return call.args[:1]
    return []


def _is_coded(argument: ast.expr, said_names: set[str]) -> bool:
    """`Said(...)`, a name bound to one, a function returning one, or a choice between them."""
    if isinstance(argument, ast.IfExp):
        return _is_coded(argument.body, said_names) and _is_coded(argument.orelse, said_names)
    if isinstance(argument, ast.Name):
        return argument.id in said_names
    if isinstance(argument, ast.Attribute):
        return f".{argument.attr}" in said_names
    if isinstance(argument, ast.Call):
        called = argument.func
        name = called.id if isinstance(called, ast.Name) else getattr(called, "attr", "")
        return name == "Said" or name in SAID_FUNCTIONS
    return False


@pytest.mark.no_sql
def test_every_message_the_service_raises_has_a_code() -> None:
    """A sentence written in place (or a library's words passed on) has no French and no code."""
    uncoded = [
        f"{path.relative_to(ROOT)}:{argument.lineno}: {ast.unparse(argument)[:70]}"
        for path, tree in TREES.items()
        for said_names, foreign in [(_said_names(tree), _foreign(tree))]
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        for argument in _message_arguments(node, foreign)
        if not _is_coded(argument, said_names)
    ]

    assert not uncoded, "give these messages a code in service/domain/texts.py:\n" + "\n".join(
        uncoded
    )


@pytest.mark.no_sql
def test_the_check_of_codes_still_finds_a_sentence_written_in_place() -> None:
    """The names and calls it accepts as coded do not let a literal or an f-string through."""
    tree = ast.parse(
        "BAD = Said('x')\n"
        "def f(said: Said, text: str) -> None:\n"
        "    raise NotFound('no such thing')\n"
        "    raise NotFound(f'no {text}')\n"
        "    raise NotFound(text)\n"
        "    raise NotFound(said if text else 'plain')\n"
        "    raise NotFound(str(said))\n"
        "    raise NotFound(error.text)\n"
        "    raise NotFound(said)\n"
        "    raise NotFound(BAD)\n"
        "    raise NotFound(Said('y') if text else said)\n"
    )
    names = _said_names(tree)
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)]
    flagged = [
        ast.unparse(argument)
        for call in calls
        for argument in _message_arguments(call, set())
        if not _is_coded(argument, names)
    ]

    assert flagged == [
        "'no such thing'",
        "f'no {text}'",
        "text",
        "said if text else 'plain'",
        "str(said)",
        "error.text",
    ]
