"""The project's import graph: no circles (lazy imports inside functions count), and infer/ never imports train/.

Every module under infer/ and train/ is parsed with ast; each `import x` / `from x import y`
anywhere in the file (top level or inside a function) is an edge to the project module it names.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("infer", "train")


def module_names() -> dict[str, Path]:
    """Dotted module name → file, for every .py under the project's packages."""
    names = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            names[".".join(parts)] = path
    return names


def _resolve(target: str, modules: dict[str, Path]) -> str | None:
    """The longest project module that `target` names or lies inside (a.b.c → a.b when c is a name)."""
    while target:
        if target in modules:
            return target
        target = target.rpartition(".")[0]
    return None


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules that module `name` imports anywhere in its body (lazy imports included)."""
    is_package = path.name == "__init__.py"
    package = name if is_package else name.rpartition(".")[0]
    edges = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        targets = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        for target in targets:
            found = _resolve(target, modules)
            # a package importing its own submodule is not an edge back into itself
            if found and found != name:
                edges.add(found)
    return edges


def import_graph() -> dict[str, set[str]]:
    """Module → the project modules it imports."""
    modules = module_names()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle as a list of modules (first == last), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_no_import_circle():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import circle: " + " -> ".join(cycle)


def test_infer_never_imports_train():
    graph = import_graph()
    bad = {name: sorted(t for t in targets if t.startswith("train"))
           for name, targets in graph.items() if name.startswith("infer")}
    assert not {k: v for k, v in bad.items() if v}


def test_the_circle_finder_finds_a_circle():
    # the checker itself can fail: a made-up graph with a lazy back-edge is a circle
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_lazy_imports_are_edges(tmp_path):
    path = tmp_path / "m.py"
    path.write_text("def f():\n    from infer import errors\n    import train.cli\n", encoding="utf-8")
    modules = {"infer.errors": path, "train.cli": path, "infer": path, "x.m": path}
    assert imports_of("x.m", path, modules) == {"infer.errors", "train.cli", "infer"}


def test_the_package_version_is_pyproject_version():
    import tomllib

    import infer

    with open(ROOT / "pyproject.toml", "rb") as handle:
        assert infer.__version__ == tomllib.load(handle)["project"]["version"]


TRAINING_LIBRARIES = ("torch", "transformers", "datasets", "evaluate", "sklearn", "accelerate", "label_studio_sdk")


def imported_libraries(path: Path) -> set[str]:
    """Top-level names of every module `path` imports anywhere (lazy imports included)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_infer_never_imports_a_training_library():
    # tagging (everything under infer/) runs on the core install: ONNX Runtime and tokenizers, no torch
    found = {name: sorted(imported_libraries(path) & set(TRAINING_LIBRARIES))
             for name, path in module_names().items() if name.startswith("infer")}
    assert not {name: libs for name, libs in found.items() if libs}
    assert "torch" in imported_libraries(ROOT / "train" / "model" / "fit.py")  # the check sees lazy imports
