"""The package's faces are true: every public module shows in its package, and the maps name every part.

A subpackage's face is its ``__init__``'s ``__all__``. A module whose file name has no
leading underscore is *public*, and it is *missing* from its package's face unless

* the module itself is named in the package's ``__all__`` (exported whole, as
  ``words.clusters``), or
* every name of the module's own ``__all__`` is in the package's ``__all__``; a module
  without ``__all__`` counts its top-level functions, classes and assignments whose
  names have no leading underscore; or
* the module has no public name at all (a kernel other modules of the package use)
  and the package's docstring names it (``:mod:`.name``` or ``name.py``).

The chapters import through the faces: a name a chapter imports from ``xpcs_nb.P.m``
is in ``P.__all__`` too. The two maps a reader meets first, the docstring of
``xpcs_nb/__init__.py`` and the README's layout block, name every subpackage
(``name/``) and every top-level module (``name.py``). And the package map is drawn
from the code: each file's imports at import time go to parts on rows above its own,
and every arrow that goes up (inside a function, or from a ``__main__``) is named in
the map's text.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import xpcs_nb

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = Path(xpcs_nb.__file__).parent
SUBPACKAGES = sorted(info.name for info in pkgutil.iter_modules(xpcs_nb.__path__) if info.ispkg)
TOP_MODULES = sorted(info.name for info in pkgutil.iter_modules(xpcs_nb.__path__)
                     if not info.ispkg and not info.name.startswith("_"))
PUBLIC_MODULES = [(package, info.name) for package in SUBPACKAGES
                  for info in pkgutil.iter_modules([str(PACKAGE / package)]) if not info.name.startswith("_")]


def top_level_names(path: Path) -> list[str]:
    """Names a module defines at its top level (def, class, assignment), without leading underscore."""
    names = []
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, ast.Assign):
            names += [target.id for target in node.targets if isinstance(target, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.append(node.target.id)
    return [name for name in names if not name.startswith("_")]


def public_names(package: str, module: str) -> list[str]:
    """The module's ``__all__``, else its top-level public names."""
    own = getattr(importlib.import_module(f"xpcs_nb.{package}.{module}"), "__all__", None)
    return list(own) if own is not None else top_level_names(PACKAGE / package / f"{module}.py")


def missing_from_face(package: str, module: str) -> list[str]:
    """The module's public names its package's ``__all__`` leaves out ([] when the module is exported whole)."""
    package_module = importlib.import_module(f"xpcs_nb.{package}")
    face = package_module.__all__
    if module in face:
        return []
    names = public_names(package, module)
    if not names:  # a module of private parts: the package's map must name it
        named = re.search(rf"(:mod:`\.{module}`|\b{module}\.py\b)", package_module.__doc__ or "")
        return [] if named else [f"(no public name, and the package docstring does not name .{module})"]
    return [name for name in names if name not in face]


def chapter_imports() -> list[tuple[str, str, str]]:
    """(chapter, subpackage, name) for every ``from xpcs_nb.P[.m] import name`` in the chapters."""
    found = []
    for chapter in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py")):
        for node in ast.walk(ast.parse(chapter.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("xpcs_nb."):
                parts = node.module.split(".")
                if parts[1] in SUBPACKAGES:
                    found += [(chapter.stem, parts[1], alias.name) for alias in node.names]
    return found


def named_parts(text: str) -> set[str]:
    """``name/`` and ``name.py`` words of a map."""
    return set(re.findall(r"\b([a-z_]+)/", text)) | {f"{name}.py" for name in re.findall(r"\b([a-z_]+)\.py\b", text)}


def readme_layout() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Layout\s+```\n(.*?)```", readme, re.S)
    assert block, "README.md has a '## Layout' section with a code block"
    return block.group(1)


def test_the_rule_sees_every_subpackage():
    assert {"correlation", "evaluation", "cli", "parallel", "train"} <= set(SUBPACKAGES)
    assert len(PUBLIC_MODULES) > 40


def test_a_module_left_out_is_found(monkeypatch):
    face = importlib.import_module("xpcs_nb.rheology")
    monkeypatch.setattr(face, "__all__", [name for name in face.__all__ if name != "class_fractions"])
    assert missing_from_face("rheology", "fractions") == ["class_fractions"]


def test_a_module_of_private_parts_must_be_named_in_the_package_docstring(monkeypatch):
    face = importlib.import_module("xpcs_nb.correlation")
    assert missing_from_face("correlation", "gram") == []
    monkeypatch.setattr(face, "__doc__", "Correlation maths.")
    assert missing_from_face("correlation", "gram") != []


@pytest.mark.parametrize("package, module", PUBLIC_MODULES, ids=[f"{p}.{m}" for p, m in PUBLIC_MODULES])
def test_every_public_module_is_in_its_package_face(package, module):
    missing = missing_from_face(package, module)
    assert not missing, (f"xpcs_nb.{package}.{module}'s public names {missing} are not in xpcs_nb.{package}.__all__: "
                         f"export them, or give the module (or the names) a leading underscore")


@pytest.mark.parametrize("package", SUBPACKAGES)
def test_every_name_of_a_face_is_there(package):
    module = importlib.import_module(f"xpcs_nb.{package}")
    assert len(module.__all__) == len(set(module.__all__)), f"xpcs_nb.{package}.__all__ repeats a name"
    absent = [name for name in module.__all__ if not hasattr(module, name)]
    assert not absent, f"xpcs_nb.{package}.__all__ names {absent}, which it does not hold"


def test_the_chapters_import_only_what_the_faces_show():
    deep = [(chapter, f"{package}.{name}") for chapter, package, name in chapter_imports()
            if name not in importlib.import_module(f"xpcs_nb.{package}").__all__]
    assert not deep, f"names the chapters import that no package face shows: {deep}"


def test_the_package_map_names_every_part():
    parts = named_parts(xpcs_nb.__doc__)
    absent = [f"{name}/" for name in SUBPACKAGES if name not in parts]
    absent += [f"{name}.py" for name in TOP_MODULES if f"{name}.py" not in parts]
    assert not absent, f"xpcs_nb/__init__.py's map leaves out {absent}"


def test_the_readme_layout_names_every_part():
    parts = named_parts(readme_layout())
    absent = [f"{name}/" for name in SUBPACKAGES if name not in parts]
    absent += [f"{name}.py" for name in TOP_MODULES if f"{name}.py" not in parts]
    assert not absent, f"the README's layout block leaves out {absent}"


# ------------------------------------------------------------------ the map's arrows

def map_rows() -> dict[str, int]:
    """Each part of ``xpcs_nb/__init__.py``'s map -> its row, top first (``name/`` or ``name.py`` keys)."""
    rows = {}
    for line in xpcs_nb.__doc__.splitlines():
        match = re.match(r"    ([a-z_]+(/|\.py))\s", line + " ")
        if match:
            rows[match.group(1)] = len(rows)
    return rows


def part_of(path: Path) -> str:
    """``name/`` for a file of a subpackage, ``name.py`` for a top-level module."""
    relative = path.relative_to(PACKAGE).parts
    return f"{relative[0]}/" if len(relative) > 1 else relative[0]


def imported_parts(path: Path) -> tuple[set[str], set[str]]:
    """(parts imported at the top of ``path``, parts imported inside its functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = list(path.relative_to(PACKAGE).parts[:-1])
    top_nodes = {id(node) for node in tree.body}
    top, inner = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - (node.level - 1)]
                dotted = base + (node.module.split(".") if node.module else [])
                names = dotted[:1] if dotted else [alias.name for alias in node.names]
            elif (node.module or "").startswith("xpcs_nb."):
                names = [node.module.split(".")[1]]
            elif node.module == "xpcs_nb":
                names = [alias.name for alias in node.names]
            else:
                continue
        elif isinstance(node, ast.Import):
            names = [alias.name.split(".")[1] for alias in node.names if alias.name.startswith("xpcs_nb.")]
        else:
            continue
        for name in names:
            part = f"{name}/" if (PACKAGE / name).is_dir() else f"{name}.py"
            if (PACKAGE / part.rstrip("/")).exists() and part != part_of(path):
                (top if id(node) in top_nodes else inner).add(part)
    return top, inner


def upward_arrows() -> list[tuple[str, str, str]]:
    """(file, from part, to part) for each import of a part on the same row or below (``__main__`` included)."""
    rows = map_rows()
    arrows = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.parent == PACKAGE and path.name.startswith("__"):
            continue
        source = part_of(path)
        top, inner = imported_parts(path)
        for target in top | inner:
            if rows.get(target, -1) >= rows.get(source, -1):
                arrows.append((str(path.relative_to(PACKAGE)), source, target))
    return arrows


def test_the_map_lists_each_part_once_on_its_own_row():
    rows = map_rows()
    expected = {f"{name}/" for name in SUBPACKAGES} | {f"{name}.py" for name in TOP_MODULES}
    assert set(rows) == expected


def downward_imports() -> list[tuple[str, str]]:
    """(file, part) for each import at the top of a file that goes to its own row or below; __main__ excepted."""
    rows = map_rows()
    down = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "__main__.py" or (path.parent == PACKAGE and path.name.startswith("__")):
            continue
        top, _ = imported_parts(path)
        down += [(str(path.relative_to(PACKAGE)), target) for target in top
                 if rows[target] >= rows[part_of(path)]]
    return down


def test_imports_at_the_top_of_a_file_point_up_the_map():
    down = downward_imports()
    assert not down, f"imports at the top of these files go down the map (move the part, or the map's row): {down}"


def test_a_part_drawn_above_what_it_imports_is_found(monkeypatch):
    """The map as it was drawn before: scenarios/ above correlation/ (it imports two_time)."""
    doc = xpcs_nb.__doc__
    old = (doc.replace("    scenarios/ ", "    SCEN").replace("    simulate/  ", "    scenarios/ \n    simulate/  ", 1)
           .replace("    SCEN", "    XXXX"))
    monkeypatch.setattr(xpcs_nb, "__doc__", old)
    assert any(file.startswith("scenarios/") and part == "correlation/" for file, part in downward_imports())


def test_every_arrow_up_the_map_is_named_in_it():
    paragraph = xpcs_nb.__doc__[xpcs_nb.__doc__.index("arrows go up the map"):]
    paragraph = paragraph[:paragraph.index("\n\n")]
    unnamed = [(file, source, target) for file, source, target in upward_arrows()
               if f"``{source}``" not in paragraph or f"``{target}``" not in paragraph]
    assert not unnamed, f"arrows up the map that its text does not name: {unnamed}"


def test_the_arrow_check_sees_an_import():
    top, inner = imported_parts(PACKAGE / "evaluation" / "__init__.py")
    assert "words/" in top and "validation.py" not in inner
    _, inner = imported_parts(PACKAGE / "words" / "search.py")
    assert "evaluation/" in inner
