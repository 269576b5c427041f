"""``no_cover`` tests run untraced, as CI runs them (``--cov`` under xdist).

Without ``--cov`` nothing traces and these pass trivially; under CI's coverage they failed
before ``tests/conftest.py`` took the tracer off itself (pytest-cov's pause left a second
collector running in each xdist worker), and the PostgreSQL leg paid for tracing it meant
to skip.
"""

import sys
import threading

import pytest


@pytest.fixture
def trace_in_setup() -> object:
    return sys.gettrace()


@pytest.mark.no_cover
def test_a_no_cover_test_and_its_fixtures_run_untraced(trace_in_setup: object) -> None:
    assert trace_in_setup is None
    assert sys.gettrace() is None
    assert threading.gettrace() is None


@pytest.mark.no_cover
async def test_a_no_cover_coroutine_runs_untraced() -> None:
    assert sys.gettrace() is None
