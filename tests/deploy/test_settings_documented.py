"""Every ``INSIGNE_*`` setting the code reads is in the README's table, with a true default.

The names come from the code's own text (a string literal ``"INSIGNE_…"`` in ``service/`` or
``schema/``); each literal default the table shows (in backquotes) is fed back to
`Settings.from_env` and must change nothing.
"""

import base64
import re
from pathlib import Path

import pytest

from service.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
NAME = re.compile(r"\"(INSIGNE_[A-Z0-9_]*[A-Z0-9])\"")
ROW = re.compile(r"^\| (`INSIGNE_[^|]+) \| ([^|]+) \|", re.MULTILINE)
KEY = base64.b64encode(bytes(32)).decode()


def read_by_code() -> set[str]:
    files = [*ROOT.joinpath("service").rglob("*.py"), *ROOT.joinpath("schema").rglob("*.py")]
    return {name for file in files for name in NAME.findall(file.read_text())}


def documented() -> dict[str, str]:
    """Each documented name and the default its row shows (`A` / `_B` rows give two)."""
    table: dict[str, str] = {}
    for names, default in ROW.findall((ROOT / "README.md").read_text()):
        spelled = re.findall(r"`([A-Z0-9_]+)`", names)
        defaults = [part.strip() for part in default.split(" / ")]
        first = spelled[0]
        for index, name in enumerate(spelled):
            # `_B` stands for as many of the first name's last words as it has itself
            words = name.count("_")
            full = name if name.startswith("INSIGNE_") else first.rsplit("_", words)[0] + name
            table[full] = defaults[min(index, len(defaults) - 1)]
    return table


def test_every_setting_the_code_reads_is_documented_with_a_default() -> None:
    table = documented()
    missing = read_by_code() - set(table)
    assert not missing, f"settings missing from the README's table: {sorted(missing)}"
    assert all(default for default in table.values())
    assert not set(table) - read_by_code(), "the README documents settings nothing reads"


@pytest.mark.parametrize(
    ("name", "default"),
    [(name, default) for name, default in documented().items() if default.startswith("`")],
)
def test_a_documented_default_is_the_default(name: str, default: str, tmp_path: Path) -> None:
    base = {
        "INSIGNE_DATA_DIR": str(tmp_path),
        "INSIGNE_KEY_ENCRYPTION_KEY": KEY,
        "INSIGNE_TOKEN_SECRET": KEY,
    }
    value = default.strip("`").replace("$INSIGNE_DATA_DIR", str(tmp_path))
    if name == "INSIGNE_DATA_DIR":
        assert Path(value) == Settings.from_env({}).data_dir
        return
    assert Settings.from_env(base | {name: value}) == Settings.from_env(base)
