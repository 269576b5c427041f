"""What a ``docker build`` of the Dockerfile puts in the image, computed without Docker.

Reads the Dockerfile's stages (``FROM … AS``, ``WORKDIR``, ``COPY``, ``RUN``, ``CMD``) and
the ``.dockerignore`` patterns, with Docker's matching rules (moby/patternmatcher: patterns
are anchored at the context's root, ``*`` stays within a path segment, ``**`` spans any
number of them, ``!`` re-includes, and a path is excluded when it or a parent matches).
"""

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath


@dataclass(frozen=True)
class Copy:
    sources: tuple[str, ...]
    destination: PurePosixPath
    into_folder: bool  # the destination is a folder (``./``, or several sources)
    from_stage: str | None


@dataclass
class Stage:
    name: str
    workdir: PurePosixPath = field(default_factory=lambda: PurePosixPath("/"))
    steps: list[Copy | str] = field(default_factory=list)  # a Copy, or a RUN's shell text
    command: list[str] = field(default_factory=list)


def stages(dockerfile: Path) -> list[Stage]:
    """The build stages, in order, with their COPY and RUN steps and the last CMD."""
    found: list[Stage] = []
    for instruction in _instructions(dockerfile.read_text()):
        keyword, _, rest = instruction.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            words = rest.split()
            found.append(Stage(words[2] if len(words) > 2 else str(len(found))))
        elif keyword == "WORKDIR":
            found[-1].workdir = found[-1].workdir / rest.strip()
        elif keyword == "COPY":
            found[-1].steps.append(_copy(rest, found[-1].workdir))
        elif keyword == "RUN":
            found[-1].steps.append(rest.strip())
        elif keyword == "CMD":
            found[-1].command = json.loads(rest)
    return found


def _instructions(text: str) -> list[str]:
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    return [" ".join(line.split()) for line in joined.splitlines() if line.strip()]


def _copy(rest: str, workdir: PurePosixPath) -> Copy:
    words = shlex.split(rest)
    flags = {w.split("=", 1)[0]: w.split("=", 1)[1] for w in words if w.startswith("--")}
    paths = [w for w in words if not w.startswith("--")]
    into_folder = paths[-1].endswith("/") or paths[-1] == "." or len(paths) > 2
    return Copy(tuple(paths[:-1]), workdir / paths[-1], into_folder, flags.get("--from"))


class DockerIgnore:
    """The build context's exclusions, as Docker applies them."""

    def __init__(self, text: str) -> None:
        self._patterns: list[tuple[bool, re.Pattern[str]]] = []
        for line in text.splitlines():
            pattern = line.strip()
            if not pattern or pattern.startswith("#"):
                continue
            is_negated = pattern.startswith("!")
            pattern = str(PurePosixPath(pattern.lstrip("!").strip().lstrip("/")))
            self._patterns.append((is_negated, re.compile(_regex(pattern))))

    def excludes(self, relative: PurePosixPath) -> bool:
        """Whether a path of the context (or one of its parents) is left out."""
        candidates = [str(relative), *(str(parent) for parent in relative.parents if parent.parts)]
        excluded = False
        for is_negated, pattern in self._patterns:
            if any(pattern.fullmatch(candidate) for candidate in candidates):
                excluded = not is_negated
        return excluded


def _regex(pattern: str) -> str:
    out = ""
    index = 0
    while index < len(pattern):
        if pattern.startswith("**/", index):
            out, index = out + "(?:.*/)?", index + 3
        elif pattern.startswith("**", index):
            out, index = out + ".*", index + 2
        elif pattern[index] == "*":
            out, index = out + "[^/]*", index + 1
        elif pattern[index] == "?":
            out, index = out + "[^/]", index + 1
        else:
            out, index = out + re.escape(pattern[index]), index + 1
    return out


def context_files(context: Path, source: str, ignore: DockerIgnore) -> list[Path]:
    """The files one COPY source brings from the context, the ignored ones left out."""
    root = context / source
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    return [p for p in files if not ignore.excludes(PurePosixPath(p.relative_to(context)))]


def apply(copy: Copy, context: Path, ignore: DockerIgnore, root: Path) -> None:
    """Do what a COPY from the build context does, with `root` standing for ``/``."""
    for source in copy.sources:
        base = context / source
        for file in context_files(context, source, ignore):
            if base.is_dir():
                target = copy.destination / file.relative_to(base).as_posix()
            elif copy.into_folder:
                target = copy.destination / file.name
            else:
                target = copy.destination
            placed = root / target.relative_to("/")
            placed.parent.mkdir(parents=True, exist_ok=True)
            placed.write_bytes(file.read_bytes())
