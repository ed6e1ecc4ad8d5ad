"""The house's rules, held against the code (docs/ARCHITECTURE.md): imports flow one way, from
the rooms that serve people down to the domain and the page cache, never back up and never in a
circle; a library's internals are used only in the module that owns them (Django's ORM,
PyYAML's loader, Django's Redis client: one each); no module outgrows a reader."""

from __future__ import annotations

import ast
import importlib
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("articles", "pagecache", "newsroom")
# A module over NOTE_LINES is worth a look (a warning in the test run); over MAX_LINES it fails.
NOTE_LINES = 350
MAX_LINES = 500

# Which rooms each room may import (besides itself).
ALLOWED = {
    "newsroom": {"articles", "ingest", "reader", "desk", "images", "pagecache"},
    "ingest": {"articles", "pagecache"},
    "reader": {"articles", "images", "pagecache"},
    "desk": {"articles", "images", "pagecache"},
    "images": {"articles", "pagecache"},
    "articles": {"pagecache"},
    "pagecache": set(),
}
# The modules allowed to reach below a library's public API, for speed: each says why, and
# pins the versions it was checked against. Django's ORM internals, PyYAML's loader
# internals, Django's Redis cache client.
INTERNALS = {
    "articles.reader.compiled": ("django.db.models.query", "django.db.models.utils"),
    "articles.ingest.loader": ("yaml.constructor", "yaml.resolver"),
    "pagecache.cache_backends": ("django.core.cache.backends.redis",),
}
PINS = [
    ("articles.reader.compiled", "CHECKED_DJANGO", "django"),
    ("articles.ingest.loader", "CHECKED_PYYAML", "yaml"),
    ("pagecache.cache_backends", "CHECKED_DJANGO", "django"),
]
# Underscore attributes that are public API: Django's documented ``_meta`` and
# ``_default_manager``, and the named tuple's methods.
PUBLIC_UNDERSCORED = {"_meta", "_default_manager", "_fields", "_asdict", "_replace", "_make"}


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def room(module: str) -> str:
    parts = module.split(".")
    if (
        parts[0] == "articles"
        and len(parts) > 1
        and parts[1] in ("ingest", "reader", "desk", "images")
    ):
        return parts[1]
    return parts[0]


def imports(module: str, path: Path) -> set[str]:
    """The project modules that ``module`` imports, anywhere in it."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    known = modules()
    return {name for name in names if name in known and name != module}


def test_imports_flow_down_from_the_rooms_to_the_domain():
    wrong = []
    for module, path in modules().items():
        if ".migrations." in module:
            continue
        for imported in imports(module, path):
            if room(imported) not in ALLOWED[room(module)] | {room(module)}:
                wrong.append(f"{module} imports {imported}")
    assert wrong == []


def test_no_import_runs_in_a_circle():
    known = modules()
    graph = {module: imports(module, path) for module, path in known.items()}
    # An import of a package's own submodule from its __init__ is how packages work, not a
    # circle; a package importing its submodules only there is the only such case here.
    done: set[str] = set()
    cycles = []

    def visit(module: str, trail: list[str]) -> None:
        if module in trail:
            cycles.append(" -> ".join([*trail[trail.index(module) :], module]))
            return
        if module in done:
            return
        for imported in sorted(graph[module]):
            if not module.startswith(imported + "."):  # a submodule importing its package
                visit(imported, [*trail, module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])
    assert cycles == []


def test_library_internals_are_used_in_their_own_modules_only():
    wrong = []
    for module, path in modules().items():
        if ".migrations." in module:
            continue
        tree = ast.parse(path.read_text())
        own = _own_private_names(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in ("self", "cls")
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and node.attr not in own
                and module not in INTERNALS
            ):  # a private name the class inherits from a library
                wrong.append(f"{module}:{node.lineno} uses {ast.unparse(node)}")
            if isinstance(node, ast.ImportFrom) and node.module:
                for owner, internal in INTERNALS.items():
                    if node.module.startswith(internal) and module != owner:
                        wrong.append(f"{module} imports {node.module}")
            if (
                isinstance(node, ast.Attribute)
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and node.attr not in PUBLIC_UNDERSCORED
                and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
                and module not in INTERNALS
            ):
                wrong.append(f"{module}:{node.lineno} uses {ast.unparse(node)}")
    assert wrong == []


def _own_private_names(tree: ast.Module) -> set[str]:
    """The underscored names a module defines itself: methods, and attributes it assigns."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
    return {name for name in names if name.startswith("_")}


@pytest.mark.parametrize(("module", "pin", "library"), PINS)
def test_library_internals_were_checked_against_these_versions(module, pin, library):
    checked = getattr(importlib.import_module(module), pin)
    version = importlib.import_module(library).__version__
    assert tuple(int(part) for part in version.split(".")[:2]) in checked, (
        f"{library} {version} is not a version {module} was checked against ({checked}): it "
        f"reaches below {library}'s public API (its docstring says where); read that code in "
        "this version, run the tests, then add the version to " + pin
    )


@pytest.mark.parametrize("module", sorted(m for m in modules() if ".migrations." not in m))
def test_no_module_outgrows_a_reader(module):
    lines = modules()[module].read_text().count("\n")
    assert lines <= MAX_LINES, f"{module} has {lines} lines"
    if lines > NOTE_LINES:
        warnings.warn(f"{module} has {lines} lines: does it still do one thing?", stacklevel=1)


def test_every_package_says_what_it_owns_and_what_it_may_import():
    packages = (
        "articles",
        "articles.ingest",
        "articles.reader",
        "articles.desk",
        "articles.images",
        "articles.search",
    )
    for package in (*packages, "pagecache", "newsroom.http"):
        path = ROOT / package.replace(".", "/") / "__init__.py"
        docstring = ast.get_docstring(ast.parse(path.read_text())) or ""
        assert "import" in docstring, f"{package}'s docstring does not say what it may import"
