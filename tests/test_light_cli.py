"""The command line starts light: ``insigne --help`` and argument parsing import no web
framework, no JSON-LD processor, no imaging, no HTTP client and no migrations; each command
imports what it needs when it runs."""

import json
import subprocess
import sys

HEAVY = ("litestar", "strawberry", "PIL", "pyld", "httpx", "alembic", "sqlalchemy", "jinja2")
_PROBE = """
import json, sys
import service.cli
service.cli._parser().parse_args(["achievements", "list"])
print(json.dumps(sorted(name for name in sys.modules if name.split(".")[0] in {heavy})))
"""


def test_importing_the_cli_and_parsing_a_command_pulls_in_no_heavy_library() -> None:
    probe = _PROBE.format(heavy=repr(set(HEAVY)))
    done = subprocess.run(  # a fresh interpreter: this one has imported everything
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )

    assert json.loads(done.stdout) == []


def test_help_runs_without_them_too() -> None:
    probe = (
        "import sys, service.cli\n"
        "try:\n    service.cli.main(['--help'], {})\nexcept SystemExit:\n    pass\n"
        f"print(sorted(n for n in sys.modules if n.split('.')[0] in {set(HEAVY)!r}))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)

    assert done.stdout.strip().splitlines()[-1] == "[]"
