#!/usr/bin/env python3
"""Checks the shape of src/: no two files import each other, directly or through a loop, and no
file imports one that sits above it in the pipeline's order

    shared (model, outcome, error, text, keywords, …) → template → read → normalize → review
    → write → batch → cmd

Imports are the `use crate::…`, `use super::…` and `use self::…` lines (and `pub use`), plus
paths written inline (`crate::read::limits::human_bytes(…)`). Each is resolved to the file that
defines the module it names (`src/read/limits.rs`, `src/model/mod.rs` …); a file's own
submodules (its `mod x;` lines) do not count as imports of it. Prints every loop and every upward
import and exits 1 when there is any; `--graph` prints the file graph.

    scripts/check-imports.py [--graph]
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
SRC = ROOT / "src"

# The layers, lowest first. A file's layer is that of its top-level module under src/.
LAYERS = [
    {"model", "outcome", "error", "text", "keywords", "panic_guard", "pause", "data_files", "name_list", "hash_index", "test_bytes", "lib"},
    {"template"},
    {"read"},
    {"normalize"},
    {"review"},
    {"write"},
    {"batch", "convert", "store"},
    {"cmd", "main"},
]


def module_of(path):
    """src/read/limits.rs → ("read", "limits"); src/read/mod.rs → ("read",); the crate roots
    (lib.rs, main.rs) → ()."""
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts in (["lib"], ["main"]):
        return ()
    if parts[-1] == "mod":
        parts.pop()
    return tuple(parts)


def layer_of(module):
    top = module[0] if module else "lib"
    for index, names in enumerate(LAYERS):
        if top in names:
            return index
    raise SystemExit(f"{'/'.join(module)}: not in any layer; add it to LAYERS in {__file__}")


def files():
    return sorted(p for p in SRC.rglob("*.rs"))


MODULES = {module_of(p): p for p in files()}


def resolve(base, segments):
    """The longest prefix of base + segments that is a module file (`crate` and, from the
    binary's files, `jixiao` name the root)."""
    path = list(base)
    for segment in segments:
        if segment == "super":
            if path:
                path.pop()
        elif segment == "self":
            pass
        elif segment in ("crate", "jixiao"):
            path = []
        else:
            path.append(segment)
    while path and tuple(path) not in MODULES:
        path.pop()
    return tuple(path) if path else None


USE = re.compile(r"^\s*(?:pub(?:\([^)]*\))?\s+)?use\s+([^;]+);", re.M)
INLINE = re.compile(r"(?<![\w:])(crate|super|jixiao)((?:::\w+)+)")
COMMENT = re.compile(r"//[^\n]*")


def expand(tree):
    """`a::{b, c::{d, e}}` → [[a, b], [a, c, d], [a, c, e]] (as segment lists)."""
    tree = re.sub(r"\s+", "", tree)
    out = []

    def walk(prefix, text):
        depth, start, items = 0, 0, []
        for i, ch in enumerate(text):
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
            elif ch == "," and depth == 0:
                items.append(text[start:i])
                start = i + 1
        items.append(text[start:])
        for item in filter(None, items):
            if "{" in item:
                head, rest = item.split("{", 1)
                walk(prefix + [s for s in head.split("::") if s], rest[:-1])
            else:
                item = item.split(" as ")[0]
                out.append(prefix + [s for s in item.split("::") if s])

    walk([], tree)
    return out


def imports(path):
    module = module_of(path)
    base = module
    text = COMMENT.sub("", path.read_text(encoding="utf-8"))
    # Test modules may reach anything.
    text = text.split("#[cfg(test)]")[0]
    found = set()
    for match in USE.finditer(text):
        for segments in expand(match.group(1)):
            if segments[0] not in ("crate", "super", "self", "jixiao"):
                continue
            target = resolve(base, segments)
            if target is not None:
                found.add(target)
    for match in INLINE.finditer(text):
        segments = [match.group(1)] + [s for s in match.group(2).split("::") if s]
        target = resolve(base, segments)
        if target is not None:
            found.add(target)
    # Not an import: the file itself, its ancestors (a module's parent is only its namespace),
    # and its own children.
    return {
        t for t in found
        if t != module and module[: len(t)] != t and t[: len(module)] != module
    }


def main():
    graph = {module_of(p): imports(p) for p in files()}
    problems = []
    for source, targets in sorted(graph.items()):
        for target in sorted(targets):
            if layer_of(target) > layer_of(source):
                problems.append(
                    f"upward import: {'/'.join(source)} (layer {layer_of(source)}) uses "
                    f"{'/'.join(target)} (layer {layer_of(target)})"
                )
    # Loops: strongly connected components of more than one file (Tarjan).
    index, low, stack, on_stack, loops = {}, {}, [], set(), []
    counter = [0]

    def connect(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for next_node in graph.get(node, ()):
            if next_node not in index:
                connect(next_node)
                low[node] = min(low[node], low[next_node])
            elif next_node in on_stack:
                low[node] = min(low[node], index[next_node])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                loops.append(sorted(component))

    sys.setrecursionlimit(10000)
    for node in sorted(graph):
        if node not in index:
            connect(node)
    for component in loops:
        names = ", ".join("/".join(m) for m in component)
        problems.append(f"import loop among: {names}")
    if "--graph" in sys.argv:
        for source, targets in sorted(graph.items()):
            print("/".join(source), "→", ", ".join("/".join(t) for t in sorted(targets)))
    if problems:
        print("\n".join(problems))
        sys.exit(1)
    print(f"imports: {len(graph)} files, no loop, no upward import")


if __name__ == "__main__":
    main()
