"""The shape of the code (../shared/STYLE.md), checked like a linter: ``scripts/test`` runs it.

- no module over 400 lines;
- the layers: handlers/ imports no sqlalchemy, nio or bot/; storage/ imports no nio, bot/
  or scheduler/, and of handlers/ only the vocabulary; scheduler/ imports no nio or bot/;
- no import cycle between modules, also not through imports under ``TYPE_CHECKING`` or in
  functions (a module's import of its own package's ``__init__`` is Python's doing, not a
  cycle);
- no role or status compared as a bare string outside the access module and the vocabulary.

Prints what is wrong and exits 1; prints nothing and exits 0 when all holds.
"""

from __future__ import annotations

import ast
import itertools
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "scheduler", "storage", "demo")
MAX_LINES = 400
FORBIDDEN = {
    "handlers": ("sqlalchemy", "nio", "bot", "demo"),
    "storage": ("nio", "bot", "scheduler", "demo"),
    "scheduler": ("nio", "bot", "demo"),
    "bot": ("demo",),
}
# storage maps its columns to the domain's words: that one module only.
ALLOWED = {"storage": ("handlers.vocabulary",)}
WORD_OWNERS = {"handlers.access", "handlers.vocabulary"}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(tree: ast.Module, name: str, is_package: bool) -> set[str]:
    """Every module imported anywhere in the module: at the top, under ``if TYPE_CHECKING:``
    and inside functions alike (a cycle hidden there is still a cycle)."""
    found: set[str] = set()
    package = name if is_package else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def words_of_the_domain() -> set[str]:
    sys.path.insert(0, str(ROOT))
    from handlers import vocabulary

    enums = (vocabulary.Role, vocabulary.TriageStatus, vocabulary.VerrijkingStatus,
             vocabulary.OverlegStatus, vocabulary.ActieStatus, vocabulary.Urgentie)  # fmt: skip
    return {member.value for enum in enums for member in enum}


def compared_words(tree: ast.Module, words: set[str]) -> list[tuple[int, str]]:
    """``x == "open"`` and ``x in ("open", "onduidelijk")``; not ``"open" in text`` (a
    search in a message is no comparison of a status)."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Compare):
            continue
        sides = [node.left, *node.comparators]
        for op, (left, right) in zip(node.ops, itertools.pairwise(sides), strict=True):
            if isinstance(op, (ast.Eq, ast.NotEq, ast.Is, ast.IsNot)):
                candidates = [left, right]
            elif isinstance(op, (ast.In, ast.NotIn)) and isinstance(
                right, (ast.Tuple, ast.List, ast.Set)
            ):
                candidates = list(right.elts)
            else:
                continue
            found += [(node.lineno, c.value) for c in candidates
                      if isinstance(c, ast.Constant) and c.value in words]  # fmt: skip
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def main() -> int:
    sys.setrecursionlimit(10_000)
    problems: list[str] = []
    words = words_of_the_domain()
    modules: dict[str, tuple[Path, ast.Module]] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            text = path.read_text(encoding="utf-8")
            lines = text.count("\n")
            relative = path.relative_to(ROOT)
            if lines > MAX_LINES:
                problems.append(f"{relative}: {lines} lines (at most {MAX_LINES})")
            modules[module_name(path)] = (path, ast.parse(text))
    graph: dict[str, set[str]] = {}
    for name, (path, tree) in modules.items():
        relative = path.relative_to(ROOT)
        layer = name.split(".")[0]
        imported = imports(tree, name, path.name == "__init__.py")
        for target in sorted(imported):
            top = target.split(".")[0]
            allowed = any(target.startswith(a) for a in ALLOWED.get(layer, ()))
            if top in FORBIDDEN.get(layer, ()) and not allowed:
                problems.append(f"{relative}: {layer}/ imports {target}")
            if layer == "storage" and top == "handlers" and not allowed:
                problems.append(f"{relative}: storage/ imports {target}")
        # An import of a module's own package (its __init__) is not a dependency edge.
        parents = {".".join(name.split(".")[:n]) for n in range(1, name.count(".") + 1)}
        graph[name] = {t for t in imported if t in modules and t != name and t not in parents}
        if name not in WORD_OWNERS:
            for line, word in compared_words(tree, words):
                problems.append(f"{relative}:{line}: compares the bare string {word!r}")
    for component in cycles(graph):
        problems.append("import cycle: " + " -> ".join(component))
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
