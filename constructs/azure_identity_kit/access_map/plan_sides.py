"""`terraform show -json` output -> the two sides of the plan as cdk.tf.json-shaped documents,
so the access map reads a plan the way it reads a synth.

A plan holds values, not references: a role assignment's `principal_id` is a GUID. Every known
ID, principal ID, client ID, vault URI and login server of the plan is turned back into the
`${address.attribute}` it came from (also inside a longer value, such as a scope below a vault
or a Key Vault reference), and an unknown value into the reference its configuration expression
names. A value neither side knows stays unknown, and its edge points at an unresolved node.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from .stack import as_blocks

# Attributes whose values other resources hold, by the type that owns them ("" for any type).
_REF_ATTRS = {
    "": ("id", "resource_manager_id"),
    "azurerm_user_assigned_identity": ("principal_id", "client_id"),
    "azurerm_key_vault": ("vault_uri",),
    "azurerm_container_registry": ("login_server",),
}
_MIN_MATCH = 8  # shorter known values are not searched for inside other values


def _config(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    module = ((doc.get("configuration") or {}).get("root_module")) or {}
    return {
        r["address"]: r.get("expressions") or {}
        for r in module.get("resources") or []
        if isinstance(r, dict) and isinstance(r.get("address"), str)
    }


def _known_values(entries: list[tuple[str, dict[str, Any] | None]]) -> dict[str, str]:
    """Lower-cased value -> `${address.attribute}` for every value another resource may hold."""
    out: dict[str, str] = {}
    for address, values in entries:
        rtype = address.removeprefix("data.").split(".")[0]
        for attr in (*_REF_ATTRS[""], *_REF_ATTRS.get(rtype, ())):
            value = (values or {}).get(attr)
            if isinstance(value, str) and value:
                out.setdefault(value.lower(), f"${{{address}.{attr}}}")
        for i, block in enumerate(as_blocks((values or {}).get("identity"))):
            value = block.get("principal_id")
            if isinstance(value, str) and value:
                out.setdefault(value.lower(), f"${{{address}.identity[{i}].principal_id}}")
    return out


def _expression_ref(expr: Any) -> str | None:
    """The deepest reference of a configuration expression (`x.y.attr`, not bare `x.y`)."""
    refs = expr.get("references") if isinstance(expr, dict) else None
    with_attr = [r for r in refs or [] if isinstance(r, str) and r.count(".") >= 2]
    return f"${{{with_attr[-1]}}}" if with_attr else None


def _below(expr: Any, key: str | int) -> Any:
    """The expression of a nested value: an attribute's own, or the whole attribute's
    expression when the configuration gives only that (a map, a block built at once)."""
    if isinstance(expr, dict) and "references" in expr:
        return expr
    if isinstance(expr, dict) and isinstance(key, str):
        return expr.get(key)
    if isinstance(expr, list) and isinstance(key, int) and key < len(expr):
        return expr[key]
    return None


class _Tokens:
    def __init__(self, known: dict[str, str]) -> None:
        self.known = known
        long = sorted((k for k in known if len(k) >= _MIN_MATCH), key=len, reverse=True)
        self.inside = re.compile("|".join(map(re.escape, long)), re.I) if long else None

    def value(self, value: Any, unknown: Any = None, expr: Any = None) -> Any:
        if unknown is True:
            return _expression_ref(expr)
        if isinstance(value, dict) or isinstance(unknown, dict):
            value = value if isinstance(value, dict) else {}
            mask = unknown if isinstance(unknown, dict) else {}
            keys = list(value) + [k for k in mask if k not in value]
            return {k: self.value(value.get(k), mask.get(k), _below(expr, k)) for k in keys}
        if isinstance(value, list) or isinstance(unknown, list):
            items = value if isinstance(value, list) else []
            marks = unknown if isinstance(unknown, list) else []
            return [
                self.value(
                    items[i] if i < len(items) else None,
                    marks[i] if i < len(marks) else None,
                    _below(expr, i),
                )
                for i in range(max(len(items), len(marks)))
            ]
        if isinstance(value, str) and value:
            exact = self.known.get(value.lower())
            if exact:
                return exact
            if self.inside is not None:
                match = self.inside.search(value)
                if match:
                    token = self.known[match.group(0).lower()]
                    return value[: match.start()] + token + value[match.end() :]
        return value


def _put(doc: dict[str, Any], section: str, rtype: str, name: str, attrs: dict[str, Any]) -> None:
    doc.setdefault(section, {}).setdefault(rtype, {})[name] = attrs


def plan_sides(
    plan: dict[str, Any], configs: Sequence[dict[str, Any]] = ()
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(before, after) documents for the access map; `configs` (cdk.tf.json) add paths."""
    paths: dict[str, str] = {}
    for config in configs:
        for section, prefix in (("resource", ""), ("data", "data.")):
            for rtype, named in (config.get(section) or {}).items():
                for name, attrs in (named or {}).items():
                    meta = ((attrs or {}).get("//") or {}).get("metadata") or {}
                    if meta.get("path"):
                        paths[f"{prefix}{rtype}.{name}"] = str(meta["path"])
    rcs = [rc for rc in plan.get("resource_changes") or [] if isinstance(rc, dict)]
    state = ((plan.get("prior_state") or {}).get("values") or {}).get("root_module") or {}
    data = [r for r in state.get("resources") or [] if r.get("mode") == "data"]
    entries = [
        (rc["address"], (rc.get("change") or {}).get(side))
        for rc in rcs
        for side in ("before", "after")
    ]
    tokens = _Tokens(_known_values(entries + [(r["address"], r.get("values")) for r in data]))
    expressions = _config(plan)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for rc in rcs:
        address, change = str(rc.get("address")), rc.get("change") or {}
        config_address = re.sub(r"\[[^\]]*\]$", "", address)
        rtype, name = config_address.removeprefix("data.").split(".")[-2:]
        name += address[len(config_address) :]  # count/for_each index kept in the name
        section = "data" if rc.get("mode") == "data" else "resource"
        meta = (
            {"//": {"metadata": {"path": paths[config_address]}}} if config_address in paths else {}
        )
        if isinstance(change.get("before"), dict):
            _put(before, section, rtype, name, {**tokens.value(change["before"]), **meta})
        if isinstance(change.get("after"), dict) or change.get("after_unknown") is True:
            values = tokens.value(
                change.get("after") or {},
                change.get("after_unknown"),
                expressions.get(config_address),
            )
            _put(after, section, rtype, name, {**values, **meta})
    for r in data:
        rtype, name = r["address"].removeprefix("data.").split(".")[-2:]
        for side in (before, after):
            side.setdefault("data", {}).setdefault(rtype, {}).setdefault(
                name, r.get("values") or {}
            )
    for output, change in (plan.get("output_changes") or {}).items():
        for side, key in ((before, "before"), (after, "after")):
            if isinstance(change, dict) and isinstance(change.get(key), str):
                side.setdefault("output", {})[output] = {"value": change[key]}
    return before, after
