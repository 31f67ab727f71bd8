"""The import cycles of the kakunin package (tests excluded), between apps and between
modules, and the imports made inside functions. `make lint` forbids new back-imports
(import-linter); this prints the figures ARCHITECTURE.md quotes.

    .venv/bin/python scripts/import_cycles.py [ROOT]

ROOT is a checkout of Kakunin (this one by default): give an older checkout to
compare. The web ring (views, URLs, context processors) is reported with and
without, because it asks the gate (kakunin/access.py), which sits above the apps it
judges.
"""

import ast
import sys
from pathlib import Path

import grimp

ROOT = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent)
# The test helpers that lived inside the package before they moved to testsupport/.
OLD_HELPERS = {
    "kakunin.test",
    "kakunin.browser",
    "kakunin.testservers",
    "kakunin.scans.testsites",
    "kakunin.pytest_env",
}
WEB = (".views", ".urls", ".context_processors", ".invitation_urls")


def app(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def cycles(nodes, edges) -> list[list[str]]:
    """The strongly connected components with more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return found


def function_level_imports(root: Path) -> tuple[int, int]:
    """(imports inside functions, of which in an AppConfig.ready())."""
    total = in_ready = 0
    for path in sorted((root / "kakunin").rglob("*.py")):
        if "/tests/" in str(path) or "/migrations/" in str(path):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Import | ast.ImportFrom):
                        total += 1
                        in_ready += path.name == "apps.py" and node.name == "ready"
    return total, in_ready


def main() -> None:
    sys.path.insert(0, str(ROOT))
    graph = grimp.build_graph("kakunin", cache_dir=None)
    modules = {m for m in graph.modules if ".tests" not in m and m not in OLD_HELPERS}
    for label, keep in [
        ("every module", lambda m: True),
        ("without the web ring", lambda m: not m.endswith(WEB) and m != "kakunin.urls"),
    ]:
        kept = {m for m in modules if keep(m)}
        edges: dict[str, set[str]] = {}
        app_edges: dict[str, set[str]] = {}
        for m in kept:
            for imported in graph.find_modules_directly_imported_by(m) & kept:
                edges.setdefault(m, set()).add(imported)
                if app(m) != app(imported):
                    app_edges.setdefault(app(m), set()).add(app(imported))
        apps = cycles({app(m) for m in kept}, app_edges)
        print(f"{label}: apps in a cycle: {apps or 'none'}")
        print(f"{label}: module cycles: {cycles(kept, edges) or 'none'}")
    total, in_ready = function_level_imports(ROOT)
    print(f"imports inside functions: {total} ({in_ready} of them in AppConfig.ready())")


if __name__ == "__main__":
    main()
