import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.interop.dbstack import DbStack, DbStackError, ensure_installed

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
"""Published test data beside the checkout (read-only; never copied into the project)."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test marked ``no_sql`` needs one backend: its PostgreSQL run is deselected.

    Coverage is measured on the SQLite leg: a test's PostgreSQL run is marked ``no_cover``
    (run untraced, below), since it runs the same Python and tracing it cost a
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


@pytest.hookimpl(wrapper=True, trylast=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    return (yield from _untraced_if_no_cover(item))


@pytest.hookimpl(wrapper=True, trylast=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    return (yield from _untraced_if_no_cover(item))


@pytest.hookimpl(wrapper=True, trylast=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    return (yield from _untraced_if_no_cover(item))


def _untraced_if_no_cover(item: pytest.Item) -> Iterator[None]:
    """A ``no_cover`` test runs untraced: its fixtures and its body.

    pytest-cov pauses its collector for the body alone, and under xdist that pause does not
    stop tracing: each worker also started pytest-cov's master controller (7.1), whose
    collector resumes when the worker's pauses. So the trace function is taken off here, for
    this thread and the threads it starts, and put back after.
    """
    traced = sys.gettrace()
    if item.get_closest_marker("no_cover") is None or traced is None:
        return (yield)
    for_threads = threading.gettrace()
    sys.settrace(None)
    threading.settrace(None)
    try:
        return (yield)
    finally:
        sys.settrace(traced)
        threading.settrace(for_threads)


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
