from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.interop.dbstack import DbStack, DbStackError, ensure_installed

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
"""Published test data beside the checkout (read-only; never copied into the project)."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test marked ``no_sql`` needs one backend: its PostgreSQL run is deselected.

    Coverage is measured on the SQLite leg: a test's PostgreSQL run is marked ``no_cover``
    (pytest-cov pauses its tracer), since it runs the same Python and tracing it cost a
    third of the suite's time.
    """
    for item in items:
        if _on_postgres(item):
            item.add_marker(pytest.mark.no_cover)
    dropped = [
        item
        for item in items
        if item.get_closest_marker("no_sql")
        and getattr(item, "callspec", None) is not None
        and item.callspec.params.get("templates") == "postgres"  # type: ignore[attr-defined]
    ]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        gone = set(map(id, dropped))
        items[:] = [item for item in items if id(item) not in gone]


def _on_postgres(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    return callspec is not None and any(value == "postgres" for value in callspec.params.values())


@pytest.fixture(scope="session")
def shared() -> Path:
    assert SHARED.is_dir(), f"expected the shared test data at {SHARED}"
    return SHARED


@pytest.fixture(scope="session")
def dbstack() -> Iterator[DbStack]:
    """One node process for the whole session; a missing node/npm fails, never skips."""
    try:
        ensure_installed()
    except DbStackError as error:
        problem = str(error)
    else:
        problem = ""
    if problem:
        pytest.fail(f"interop harness unavailable: {problem}", pytrace=False)
    with DbStack() as stack:
        yield stack
