"""The Docker image serves: its file set, installed as the Dockerfile does, runs the app.

No Docker engine runs here, so the image is rebuilt by hand from the Dockerfile itself: the
builder stage's COPY lines (with ``.dockerignore``) and ``uv sync`` runs, then the runtime
stage's copies beside the builder's virtual environment, in a fresh folder standing for
``/``. A package the app imports but the Dockerfile forgets makes ``insigne serve`` fail here
as it would in the image. uv's cache is reused, so this takes seconds.
"""

import json
import shutil
import subprocess
from pathlib import Path, PurePosixPath

import httpx
import pytest

from tests.deploy.dockerfile import Copy, DockerIgnore, Stage, apply, stages
from tests.processes import HOST, clean_env, free_port, running, uv, wait_for

ROOT = Path(__file__).resolve().parents[2]


def build(root: Path) -> Stage:
    """Lay the image out under `root`; returns the runtime stage."""
    builder, *_, runtime = stages(ROOT / "Dockerfile")
    ignore = DockerIgnore((ROOT / ".dockerignore").read_text())
    workdir = root / builder.workdir.relative_to("/")
    workdir.mkdir(parents=True)
    env = clean_env(UV_PROJECT_ENVIRONMENT=str(workdir / ".venv"), UV_PYTHON_DOWNLOADS="never")
    for step in builder.steps:
        if isinstance(step, Copy):
            apply(step, ROOT, ignore, root)
        elif step.startswith("uv sync"):
            subprocess.run([uv(), *step.split()[1:]], cwd=workdir, env=env, check=True)
    kept = root.with_name("kept")
    from_builder = [step for step in runtime.steps if isinstance(step, Copy) and step.from_stage]
    for index, step in enumerate(from_builder):
        shutil.move(root / step.sources[0].lstrip("/"), kept / str(index))
    shutil.rmtree(root)
    for index, step in enumerate(from_builder):
        (root / step.destination.relative_to("/")).parent.mkdir(parents=True, exist_ok=True)
        shutil.move(kept / str(index), root / step.destination.relative_to("/"))
    for step in runtime.steps:
        if isinstance(step, Copy) and not step.from_stage:
            apply(step, ROOT, ignore, root)
    return runtime


def test_the_image_serves_health_and_graphql(tmp_path: Path) -> None:
    root = tmp_path / "image"
    runtime = build(root)
    app = root / runtime.workdir.relative_to("/")
    assert not (app / "tests").exists()
    assert not list(app.glob("*/__pycache__")), "the context's bytecode must stay out"

    port = free_port()
    shell, flag, script = runtime.command
    assert "--host 0.0.0.0 --port 8000" in script
    script = script.replace("--host 0.0.0.0 --port 8000", f"--host {HOST} --port {port}")
    env = clean_env(
        PATH=f"{app / '.venv' / 'bin'}:/usr/bin:/bin", INSIGNE_DATA_DIR=str(tmp_path / "data")
    )
    log = tmp_path / "serve.log"
    with running([shell, flag, script], env, app, log) as process:
        base = f"http://{HOST}:{port}"
        assert wait_for(f"{base}/health", process, log).json() == {"status": "ok"}
        answer = httpx.post(f"{base}/graphql", json={"query": "{ __typename }"}, timeout=10)
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"data": {"__typename": "Query"}}
        assert wait_for(f"{base}/ready", process, log).json()["status"] == "ready"
    assert "Traceback" not in log.read_text(errors="replace")


def test_the_dockerfile_reading_follows_its_stages() -> None:
    builder, runtime = stages(ROOT / "Dockerfile")
    assert builder.name == "builder"
    assert runtime.workdir == PurePosixPath("/app")
    copied = {
        PurePosixPath(source).name
        for step in runtime.steps
        if isinstance(step, Copy) and not step.from_stage
        for source in step.sources
    }
    assert {"openbadges", "service", "schema", "migrations", "pyproject.toml"} <= copied
    assert json.dumps(runtime.command).startswith('["sh", "-c"')


@pytest.mark.parametrize(
    ("path", "is_excluded"),
    [
        (".venv/bin/python", True),
        ("service/__pycache__/app.cpython-311.pyc", True),
        ("tests/pages/node_modules/x/index.js", True),
        ("insigne.db", True),
        ("var/insigne.db", True),
        ("secrets/key-encryption-key", True),
        ("tls/privkey.pem", True),
        (".env", True),
        ("service/db/tables.py", False),
        ("schema/schema.graphql", False),
    ],
)
def test_dockerignore_is_read_as_docker_reads_it(path: str, is_excluded: bool) -> None:
    ignore = DockerIgnore((ROOT / ".dockerignore").read_text())
    assert ignore.excludes(PurePosixPath(path)) is is_excluded


def test_dockerignore_patterns_are_anchored_and_negatable() -> None:
    ignore = DockerIgnore("*.db\n**/*.log\nbuild\n!build/keep.txt\n")
    assert ignore.excludes(PurePosixPath("a.db"))
    assert not ignore.excludes(PurePosixPath("sub/a.db"))  # Docker anchors at the root
    assert ignore.excludes(PurePosixPath("deep/down/x.log"))
    assert ignore.excludes(PurePosixPath("build/out.bin"))
    assert not ignore.excludes(PurePosixPath("build/keep.txt"))
