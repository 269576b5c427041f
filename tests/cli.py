"""Both command lines called in process, as a user's shell would call them.

`main(argv, env)` reads its settings from `env`, never from ``os.environ``; standard input,
output and error are swapped for buffers while it runs, so a test sees exactly what a
terminal would. Starting a Python process per command cost about 3 s of imports each;
`tests/service/test_cli.py` keeps subprocess tests of the installed entry points.
"""

import io
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass


@dataclass(frozen=True)
class Ran:
    """What a command left: its exit status and what it wrote (UTF-8 bytes)."""

    returncode: int
    stdout: bytes
    stderr: bytes


def run_main(
    main: Callable[..., int],
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    stdin: bytes = b"",
) -> Ran:
    """Run a command line's `main` with `argv`; argparse's exits become the status."""
    out, err = _terminal(), _terminal()
    with _stdin(stdin), redirect_stdout(out), redirect_stderr(err):
        try:
            status = main(list(argv)) if env is None else main(list(argv), env)
        except SystemExit as exit:  # argparse's usage errors and --help
            status = exit.code if isinstance(exit.code, int) else 1
    return Ran(status, _written(out), _written(err))


def _terminal() -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(), encoding="utf-8", write_through=True)


def _written(stream: io.TextIOWrapper) -> bytes:
    stream.flush()
    buffer = stream.buffer
    assert isinstance(buffer, io.BytesIO)
    return buffer.getvalue()


@contextmanager
def _stdin(data: bytes) -> Iterator[None]:
    saved = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
    try:
        yield
    finally:
        sys.stdin = saved
