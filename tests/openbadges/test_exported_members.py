import ast
import importlib
import inspect
from pathlib import Path

import grimp

import openbadges


def test_all_is_the_sorted_public_surface() -> None:
    public = {name for name in dir(openbadges) if not name.startswith("_")}
    modules = {name for name in public if type(getattr(openbadges, name)).__name__ == "module"}

    assert set(openbadges.__all__) == public - modules
    assert openbadges.__all__ == sorted(openbadges.__all__, key=lambda n: (not n.isupper(), n))


def _is_public_module(package: str, name: str) -> bool:
    """``from openbadges.proofs import eddsa_rdfc_2022``: a module that declares its surface."""
    found = getattr(importlib.import_module(package), name, None)
    return inspect.ismodule(found) and hasattr(found, "__all__")


def test_the_service_uses_only_the_public_surface() -> None:
    """Every name service/ and schema/ import from openbadges.* is in `openbadges.__all__`
    (or is a public module of the library, which declares its own ``__all__``)."""
    root = Path(__file__).resolve().parents[2]
    outside: set[str] = set()
    for package in ("service", "schema"):
        for path in sorted((root / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    outside.update(
                        f"{path.relative_to(root)}: import {alias.name}"
                        for alias in node.names
                        if alias.name.split(".")[0] == "openbadges"
                    )
                if not isinstance(node, ast.ImportFrom) or node.level or not node.module:
                    continue
                if node.module.split(".")[0] != "openbadges":
                    continue
                outside.update(
                    f"{path.relative_to(root)}: {node.module}.{alias.name}"
                    for alias in node.names
                    if alias.name not in openbadges.__all__
                    and not _is_public_module(node.module, alias.name)
                )

    assert not outside, "export these from openbadges (or stop using them):\n" + "\n".join(
        sorted(outside)
    )


def test_the_library_has_no_import_cycle() -> None:
    graph = grimp.build_graph("openbadges")
    cycles = sorted(
        f"{module} -> {imported}"
        for module in graph.modules
        for imported in graph.find_modules_directly_imported_by(module)
        if graph.chain_exists(importer=imported, imported=module)
    )

    assert cycles == []
