"""Every relative import in the package names a module that exists.

The hot verbs import lazily, inside the functions that need them, so a
module moved to another subpackage can leave a `from .x import y` that only
fails when that function first runs (a crate with a whole-archive native
library failed to compile that way after the package was laid out by
concern). Importing the package proves nothing about those; reading every
`from . import` / `from .x import` statement, wherever it is, does.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parent.parent / "prelude_ext" / "py" / "rlib_v0"
SOURCES = sorted(p for p in PKG.rglob("*.py") if "__pycache__" not in p.parts)


def _module_names(path: Path) -> set[str]:
    """Top-level names a module defines or imports (what `from m import n` may take)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names


def _resolve(base: Path, dotted: str | None) -> Path | None:
    """The module file or package directory `dotted` names below `base`."""
    target = base.joinpath(*dotted.split(".")) if dotted else base
    if target.with_suffix(".py").is_file():
        return target.with_suffix(".py")
    return target if (target / "__init__.py").is_file() else None


def test_the_package_has_subpackages():
    # The check below means something only if the files are found.
    assert len(SOURCES) > 40 and any(p.parent != PKG for p in SOURCES)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PKG)))
def test_relative_imports_resolve(path: Path):
    problems = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.ImportFrom) or not node.level:
            continue
        base = path.parent
        for _ in range(node.level - 1):
            base = base.parent
        where = f"{path.relative_to(PKG)}:{node.lineno}"
        target = _resolve(base, node.module)
        if target is None:
            problems.append(f"{where}: no module {'.' * node.level}{node.module or ''}")
            continue
        for alias in node.names:
            if target.is_dir():
                # `from . import x`: a submodule, or a name of the package's __init__.
                if _resolve(target, alias.name) is None and alias.name not in _module_names(target / "__init__.py"):
                    problems.append(f"{where}: no {alias.name} in {'.' * node.level}{node.module or ''}")
            elif alias.name != "*" and alias.name not in _module_names(target):
                problems.append(f"{where}: {target.relative_to(PKG)} defines no {alias.name}")
    assert not problems, problems
