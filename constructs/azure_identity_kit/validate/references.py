"""What `terraform validate` would also check once providers are loaded, and the
offline 1.0 loader (engine.py) cannot: every reference and every `depends_on`
names something the stack declares, and the dependency graph has no cycle.

Pure Python over the synthesized JSON (Terraform's JSON configuration syntax,
https://developer.hashicorp.com/terraform/language/syntax/json): strings may
hold `${...}` template interpolations, whose expressions are HCL native syntax.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

JsonPath = tuple[str | int, ...]

# Roots that are not objects of the stack (Terraform's "named values" that need
# no declaration) and HCL keywords.
_BUILTIN_ROOTS = {"count", "each", "self", "path", "terraform"}
_KEYWORDS = {"true", "false", "null", "for", "in", "if", "else", "endif", "endfor"}
_TRAVERSAL = re.compile(
    r"(?<![\w.\]\)])([A-Za-z_][\w-]*)((?:\s*\.\s*(?:[A-Za-z_][\w-]*|\d+|\*)|\s*\[[^\[\]]*\])*)"
)
_ATTR = re.compile(r"\.\s*([A-Za-z_][\w-]*)")
_FOR_VARS = re.compile(r"\bfor\s+([A-Za-z_][\w-]*)(?:\s*,\s*([A-Za-z_][\w-]*))?\s+in\b")
_BARE_ADDRESS = re.compile(r"^(data\.)?[A-Za-z_][\w-]*\.[A-Za-z_][\w-]*$")


@dataclass(frozen=True)
class Problem:
    """One finding: where in the JSON document, which check, what is wrong."""

    path: JsonPath
    check: str
    message: str


def declared(doc: dict[str, Any]) -> dict[str, str]:
    """Referenceable address -> its kind, for everything the stack declares."""
    out: dict[str, str] = {}
    for rtype, named in (doc.get("resource") or {}).items():
        for name in named or {}:
            out[f"{rtype}.{name}"] = "resource"
    for rtype, named in (doc.get("data") or {}).items():
        for name in named or {}:
            out[f"data.{rtype}.{name}"] = "data"
    for name in doc.get("variable") or {}:
        out[f"var.{name}"] = "variable"
    for name in doc.get("locals") or {}:
        out[f"local.{name}"] = "local"
    for name in doc.get("module") or {}:
        out[f"module.{name}"] = "module"
    return out


def interpolations(text: str) -> Iterator[str]:
    """The expressions inside `${...}` in a JSON string (`$${` is an escape)."""
    i = 0
    while True:
        start = text.find("${", i)
        if start < 0:
            return
        if start > 0 and text[start - 1] == "$":
            i = start + 2
            continue
        end = _matching_brace(text, start + 2)
        yield text[start + 2 : end]
        i = end + 1


def _matching_brace(text: str, i: int) -> int:
    """Index of the `}` closing an interpolation opened before i (skips strings)."""
    depth = 0
    while i < len(text):
        char = text[i]
        if char == '"':
            i = _string_end(text, i + 1)
        elif char == "{":
            depth += 1
        elif char == "}":
            if depth == 0:
                return i
            depth -= 1
        i += 1
    return len(text)


def _string_end(text: str, i: int) -> int:
    """Index of the quote closing an HCL string literal opened before i."""
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == "$" and text.startswith("${", i):
            i = _matching_brace(text, i + 2) + 1
            continue
        if text[i] == '"':
            return i
        i += 1
    return len(text)


def _split_strings(expr: str) -> tuple[str, list[str]]:
    """The expression with string literals blanked, and those literals' contents."""
    code, literals, i = [], [], 0
    while i < len(expr):
        if expr[i] == '"':
            end = _string_end(expr, i + 1)
            literals.append(expr[i + 1 : end])
            code.append('""')
            i = end + 1
        else:
            code.append(expr[i])
            i += 1
    return "".join(code), literals


def references(expr: str, ignored_roots: frozenset[str] = frozenset()) -> list[str]:
    """Addresses (`type.name`, `data.type.name`, `var.x`, `local.x`, `module.x`)
    an HCL expression refers to, including those in nested string templates.
    Function calls, keywords, for-expression variables and built-in roots
    (count, each, self, path, terraform) are left out."""
    code, literals = _split_strings(expr)
    skip = set(ignored_roots) | _BUILTIN_ROOTS | _KEYWORDS
    for found in _FOR_VARS.finditer(code):
        skip.update(name for name in found.groups() if name)
    out: list[str] = []
    for match in _TRAVERSAL.finditer(code):
        root, rest = match.group(1), match.group(2)
        following = code[match.end() :].lstrip()[:2]
        if root in skip or following.startswith("(") or following.startswith("::"):
            continue
        attrs = _ATTR.findall(rest)
        if root == "data":
            if len(attrs) >= 2:
                out.append(f"data.{attrs[0]}.{attrs[1]}")
        elif attrs:
            out.append(f"{root}.{attrs[0]}")
    for literal in literals:
        for inner in interpolations(literal):
            out.extend(references(inner, ignored_roots))
    return out


def _strings(
    value: Any, path: JsonPath, skip_keys: frozenset[str]
) -> Iterator[tuple[JsonPath, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, child in value.items():
            if key not in skip_keys:
                yield from _strings(child, (*path, key), skip_keys)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _strings(child, (*path, index), skip_keys)


def _iterator_names(doc: dict[str, Any]) -> frozenset[str]:
    """Names `dynamic` blocks bind (their `iterator`, else the block label)."""
    names: set[str] = set()

    def visit(value: Any) -> None:
        if isinstance(value, dict):
            for label, block in (value.get("dynamic") or {}).items():
                iterator = block.get("iterator") if isinstance(block, dict) else None
                names.add(iterator if isinstance(iterator, str) else label)
            for child in value.values():
                visit(child)
        elif isinstance(value, list):
            for child in value:
                visit(child)

    visit(doc)
    return frozenset(names)


# Keys whose strings are not expressions: metadata, attribute names, and the
# bare addresses that are checked on their own below.
_NOT_EXPRESSIONS = frozenset({"//", "depends_on", "ignore_changes", "replace_triggered_by"})


def blocks(doc: dict[str, Any]) -> Iterator[tuple[str, JsonPath, dict[str, Any]]]:
    """(graph node, JSON path, body) for every block that can reference others."""
    for rtype, named in (doc.get("resource") or {}).items():
        for name, body in (named or {}).items():
            yield f"{rtype}.{name}", ("resource", rtype, name), body
    for rtype, named in (doc.get("data") or {}).items():
        for name, body in (named or {}).items():
            yield f"data.{rtype}.{name}", ("data", rtype, name), body
    for name, value in (doc.get("locals") or {}).items():
        yield f"local.{name}", ("locals", name), {"value": value}
    for name, body in (doc.get("module") or {}).items():
        yield f"module.{name}", ("module", name), body
    for name, body in (doc.get("output") or {}).items():
        yield f"output.{name}", ("output", name), body
    for ptype, configs in (doc.get("provider") or {}).items():
        for index, body in enumerate(configs if isinstance(configs, list) else [configs]):
            yield f"provider.{ptype}[{index}]", ("provider", ptype, index), body
    for index, body in enumerate(doc.get("import") or []):
        yield f"import[{index}]", ("import", index), body


def check_references(doc: dict[str, Any]) -> tuple[list[Problem], dict[str, list[str]]]:
    """Undeclared references and bad `depends_on` entries, plus the dependency
    graph (node -> the nodes it refers to or depends on) for find_cycles."""
    known = declared(doc)
    iterators = _iterator_names(doc)
    problems: list[Problem] = []
    graph: dict[str, list[str]] = {}
    for node, path, body in blocks(doc):
        if not isinstance(body, dict):
            continue
        edges: list[str] = []
        for where, text in _strings(body, path, _NOT_EXPRESSIONS):
            for expr in interpolations(text):
                for address in references(expr, iterators):
                    if address not in known:
                        problems.append(
                            Problem(
                                where,
                                "undeclared-reference",
                                f"{node} refers to {address}, which this stack does not declare.",
                            )
                        )
                    elif address not in edges:
                        edges.append(address)
        for index, entry in enumerate(body.get("depends_on") or []):
            where = (*path, "depends_on", index)
            if not isinstance(entry, str) or not _BARE_ADDRESS.match(entry):
                problems.append(
                    Problem(
                        where,
                        "depends-on-address",
                        f"{node} depends_on {entry!r}: Terraform needs the bare address of "
                        'a resource, data source or module (e.g. "azurerm_x.name"), not an '
                        "interpolation or an attribute.",
                    )
                )
            elif known.get(entry) not in ("resource", "data", "module"):
                problems.append(
                    Problem(
                        where,
                        "undeclared-reference",
                        f"{node} depends_on {entry}, which this stack does not declare.",
                    )
                )
            elif entry not in edges:
                edges.append(entry)
        for entry in (body.get("lifecycle") or {}).get("replace_triggered_by") or []:
            for address in references(_unwrap(entry)) if isinstance(entry, str) else []:
                if address in known and address not in edges:
                    edges.append(address)
        graph[node] = edges
    return problems, graph


def _unwrap(entry: str) -> str:
    """`${x.y}` -> `x.y`: Terraform re-parses a JSON string here as one expression."""
    inner = list(interpolations(entry))
    return inner[0] if len(inner) == 1 and entry.startswith("${") else entry


def find_cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Each dependency cycle once, as its chain of addresses (first repeated last)."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    stack: list[str] = []
    cycles: list[list[str]] = []
    seen: set[frozenset[str]] = set()

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for target in graph.get(node, ()):
            if state.get(target) == 1:
                chain = stack[stack.index(target) :] + [target]
                if (members := frozenset(chain)) not in seen:
                    seen.add(members)
                    cycles.append(chain)
            elif target not in state:
                visit(target)
        stack.pop()
        state[node] = 2

    for node in graph:
        if node not in state:
            visit(node)
    return cycles


def check_graph(doc: dict[str, Any]) -> list[Problem]:
    """check_references plus one problem per dependency cycle."""
    problems, graph = check_references(doc)
    paths = {node: path for node, path, _ in blocks(doc)}
    for chain in find_cycles(graph):
        problems.append(
            Problem(
                paths.get(chain[0], ()),
                "dependency-cycle",
                "dependency cycle: " + " -> ".join(chain),
            )
        )
    return problems
