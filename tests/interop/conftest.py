from collections.abc import Iterator

import pytest

from tests.interop.dbstack import DbStack, DbStackError, ensure_installed


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
