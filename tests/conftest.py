from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
"""Published test data beside the checkout (read-only; never copied into the project)."""


@pytest.fixture(scope="session")
def shared() -> Path:
    assert SHARED.is_dir(), f"expected the shared test data at {SHARED}"
    return SHARED
