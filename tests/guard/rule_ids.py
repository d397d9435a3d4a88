"""Find every rule ID the package raises, by reading the source (no imports).

A rule ID is the second argument of `KitValidationError(...)`, or of a helper
that passes one of its own parameters on as that argument (e.g.
`_refuse(path, rule_id, ...)`), or the first argument of `NameRule(...)` or of a
declarative constraint (constraints/: `Range("rule-id", ...)`, `guid("rule-id")`, ...).
"""

from __future__ import annotations

import ast
from pathlib import Path

RAISER = "KitValidationError"
CONSTRAINTS = (
    *("Range", "OneOf", "Format", "Items", "CrossField", "ResourceId", "Cidr"),
    *("guid", "port", "duration", "subnet_id", "secret_uri", "subnet_prefix"),
)
"""Constraint classes and factories (azure_identity_kit.constraints): rule ID first."""


def _call_name(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def _rule_arg(node: ast.Call, index: int, keyword: str) -> ast.expr | None:
    if len(node.args) > index:
        return node.args[index]
    return next((k.value for k in node.keywords if k.arg == keyword), None)


def _wrappers(trees: list[ast.Module]) -> dict[str, tuple[int, str]]:
    """Functions that forward a parameter as KitValidationError's rule ID."""
    found: dict[str, tuple[int, str]] = {}
    for tree in trees:
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            params = [a.arg for a in func.args.args]
            for call in ast.walk(func):
                if isinstance(call, ast.Call) and _call_name(call) == RAISER:
                    arg = _rule_arg(call, 1, "rule_id")
                    if isinstance(arg, ast.Name) and arg.id in params and func.name != "__init__":
                        found[func.name] = (params.index(arg.id), arg.id)
    return found


def scan(roots: list[Path]) -> tuple[dict[str, list[str]], list[str]]:
    """({rule_id: [file:line, ...]}, [call sites whose rule ID is not a literal])."""
    files = sorted(f for root in roots for f in root.rglob("*.py"))
    trees = [ast.parse(f.read_text(), filename=str(f)) for f in files]
    callers = {
        RAISER: (1, "rule_id"),
        "NameRule": (0, "rule_id"),
        **dict.fromkeys(CONSTRAINTS, (0, "rule_id")),
        **_wrappers(trees),
    }
    ids: dict[str, list[str]] = {}
    opaque: list[str] = []
    for file, tree in zip(files, trees, strict=True):
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or _call_name(node) not in callers:
                continue
            index, keyword = callers[_call_name(node)]
            arg = _rule_arg(node, index, keyword)
            where = f"{file}:{node.lineno}"
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                ids.setdefault(arg.value, []).append(where)
            elif not (
                # forwarded parameters and NameRule objects are covered at their source
                (isinstance(arg, ast.Name) and arg.id == keyword)
                or (isinstance(arg, ast.Attribute) and arg.attr == "rule_id")
            ):
                opaque.append(f"{where}: {ast.unparse(arg) if arg else '<missing>'}")
    return ids, opaque
