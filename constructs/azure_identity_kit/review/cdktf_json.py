"""Reading a synthesized cdk.tf.json: blocks by address, references, lifecycle, moves."""

import json
import re
from typing import Any

from .model import InputError

# `${azurerm_user_assigned_identity.app.id}`, `${data.azurerm_subscription.current.id}`, also
# inside function calls. Only names with an underscore (provider_type) are resource types, which
# leaves out var., local., each., count., path., self. and module.
_TOKEN = re.compile(r"\$\{(.*?)\}")
_REF = re.compile(r"(?<![\w.])((?:data\.)?[a-z][a-z0-9]*_[a-z0-9_]*\.[A-Za-z_][\w-]*)")


def ref_address(ref: str) -> str | None:
    """`azurerm_x.y.id` or `azurerm_x.y[0].id` -> `azurerm_x.y`; None for var./local./..."""
    match = _REF.match(ref.strip())
    return match.group(1) if match else None


def refs_in(value: Any) -> set[str]:
    """Resource addresses referenced by `${...}` tokens anywhere inside value."""
    text = value if isinstance(value, str) else json.dumps(value)
    return {m for token in _TOKEN.findall(text) for m in _REF.findall(token)}


def attr_refs(attrs: dict[str, Any] | None) -> dict[str, set[str]]:
    """Top-level attribute -> addresses it references (cdktf metadata `//` ignored)."""
    out = {}
    for key, value in (attrs or {}).items():
        if key != "//" and (found := refs_in(value)):
            out[key] = found
    return out


def blocks(doc: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    """Address -> (mode, type, attributes) for every resource and data source."""
    if not isinstance(doc, dict):
        raise InputError("synthesized stack is not a JSON object")
    out = {}
    for mode, key, prefix in (("managed", "resource", ""), ("data", "data", "data.")):
        section = doc.get(key)
        section = {} if section is None else section
        if not isinstance(section, dict):
            raise InputError(f"`{key}` is not an object")
        for rtype, named in section.items():
            if not isinstance(named, dict):
                raise InputError(f"`{key}.{rtype}` is not an object")
            for name, attrs in named.items():
                out[f"{prefix}{rtype}.{name}"] = (
                    mode,
                    rtype,
                    attrs if isinstance(attrs, dict) else {},
                )
    return out


def prevent_destroy(attrs: dict[str, Any] | None) -> bool:
    lifecycle = (attrs or {}).get("lifecycle")
    if isinstance(lifecycle, list):  # Terraform JSON allows a block as a one-element list
        lifecycle = lifecycle[0] if lifecycle else None
    return isinstance(lifecycle, dict) and lifecycle.get("prevent_destroy") is True


def moved_blocks(doc: dict[str, Any]) -> dict[str, str]:
    """`moved` blocks of a stack as {from: to}."""
    moved = doc.get("moved") or []
    if isinstance(moved, dict):
        moved = [moved]
    return {
        m["from"]: m["to"]
        for m in moved
        if isinstance(m, dict) and isinstance(m.get("from"), str) and isinstance(m.get("to"), str)
    }
