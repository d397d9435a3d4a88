"""`terraform show -json <planfile>` -> Changes and rule Context.

What the plan JSON can and cannot tell (checked against Terraform 1.11):
- `resource_changes` has every resource instance, no-ops included, with before/after
  values in clear text and masks for sensitive and unknown values.
- `configuration` has each resource's expression references but NOT its lifecycle, so
  `prevent_destroy` is unknown from the plan alone. Terraform refuses to plan a destroy of a
  resource that still has prevent_destroy; the case that gets through is a resource whose
  block (and with it the guard) was removed. Pass the base's cdk.tf.json with `--config` to
  catch that; every `--config` file also adds references and prevent_destroy flags.
- A renamed address without a `moved` block appears as a delete plus a create; a pair of the
  same type whose known after-values all equal the deleted object's values is reported as a
  move without a `moved` block.
"""

import re
from collections.abc import Sequence
from typing import Any

from .attributes import reference_is_secret
from .cdktf_json import attr_refs, blocks, prevent_destroy, ref_address
from .model import Change, InputError
from .rules import USER_IDENTITY, Context
from .values import UNKNOWN, leaves


def _action(actions: list[Any]) -> str:
    if "delete" in actions and "create" in actions:
        return "replace"
    if len(actions) == 1:
        return str(actions[0])
    return "-".join(str(a) for a in actions)


def _expr_references(expr: Any) -> list[str]:
    """Every reference string in a configuration expression tree."""
    if isinstance(expr, list):
        return [r for e in expr for r in _expr_references(e)]
    if not isinstance(expr, dict):
        return []
    found = [r for r in expr.get("references") or [] if isinstance(r, str)]
    for key, value in expr.items():
        if key not in ("references", "constant_value"):
            found += _expr_references(value)
    return found


def _expr_refs(expr: Any) -> set[str]:
    """Addresses in a configuration expression tree (`references` lists, nested blocks)."""
    return {a for r in _expr_references(expr) if (a := ref_address(r))}


def _config_refs(doc: dict[str, Any]) -> dict[str, dict[str, set[str]]]:
    """Root-module resource address -> top-level attribute -> referenced addresses."""
    module = ((doc.get("configuration") or {}).get("root_module")) or {}
    out = {}
    for res in module.get("resources") or []:
        if isinstance(res, dict) and isinstance(res.get("address"), str):
            exprs = res.get("expressions") or {}
            out[res["address"]] = {k: r for k, v in exprs.items() if (r := _expr_refs(v))}
    return out


def _config_secret_refs(doc: dict[str, Any]) -> dict[str, set[str]]:
    """Root-module resource address -> top-level attributes whose expression references another
    resource's key, password or connection string,
    such as a storage account's `primary_access_key`."""
    module = ((doc.get("configuration") or {}).get("root_module")) or {}
    out: dict[str, set[str]] = {}
    for res in module.get("resources") or []:
        if not isinstance(res, dict) or not isinstance(res.get("address"), str):
            continue
        for key, expr in (res.get("expressions") or {}).items():
            if any(reference_is_secret(r) for r in _expr_references(expr)):
                out.setdefault(res["address"], set()).add(key)
    return out


def _merge(*maps: dict[str, set[str]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for refs in maps:
        for key, value in refs.items():
            out.setdefault(key, set()).update(value)
    return out


def _validate(doc: Any) -> list[dict[str, Any]]:
    if not isinstance(doc, dict):
        raise InputError("not a Terraform plan: the JSON is not an object")
    version = doc.get("format_version")
    if version is None:
        raise InputError("not a Terraform plan: no format_version (use `terraform show -json`)")
    if not re.fullmatch(r"1\.\d+", str(version)):
        raise InputError(f"unsupported plan format_version {str(version)[:20]!r}; this reads 1.x")
    if not any(k in doc for k in ("resource_changes", "planned_values", "resource_drift")):
        raise InputError("not a Terraform plan: no resource_changes or planned_values")
    rcs = doc.get("resource_changes") or []
    if not isinstance(rcs, list):
        raise InputError("malformed plan: resource_changes is not a list")
    for i, rc in enumerate(rcs):
        change = rc.get("change") if isinstance(rc, dict) else None
        if (
            not isinstance(change, dict)
            or not isinstance(rc.get("address"), str)
            or not isinstance(change.get("actions"), list)
            or not all(isinstance(change.get(k), (dict, type(None))) for k in ("before", "after"))
        ):
            raise InputError(f"malformed plan: resource_changes[{i}] lacks address/actions/values")
    return rcs


def _value_refs(change: Change, ids: dict[str, str]) -> dict[str, set[str]]:
    """References found by value: another resource's ID (or an identity's principal/client ID)
    in this one's after-values, or in its before-values where the after-value is unknown."""
    if change.after is None:
        return {}
    found: dict[str, set[str]] = {}
    after = leaves(change.after, change.after_unknown)
    before = leaves(change.before) if change.before else {}
    values = [(p, v) for p, v in after.items() if v is not UNKNOWN]
    values += [(p, before[p]) for p, v in after.items() if v is UNKNOWN and p in before]
    for path, value in values:
        target = ids.get(value.lower()) if isinstance(value, str) and path else None
        if target and target != change.address:
            found.setdefault(str(path[0]), set()).add(target)
    return found


def _same_object(gone: Change, new: Change) -> bool:
    """A create whose known values all equal a deleted object's: the same thing renamed."""
    known = {
        p: v
        for p, v in leaves(new.after, new.after_unknown).items()
        if v is not UNKNOWN and v not in (None, [], {})
    }
    old = leaves(gone.before)
    identifying = ("name",) in known or new.type == "azurerm_role_assignment"
    return bool(known) and identifying and all(old.get(p) == v for p, v in known.items())


def _pair_renames(changes: list[Change]) -> list[Change]:
    deletes = [c for c in changes if c.action == "delete" and c.mode == "managed" and c.before]
    creates = [c for c in changes if c.action == "create" and c.mode == "managed" and c.after]
    for gone in deletes:
        matches = [n for n in creates if n.type == gone.type and _same_object(gone, n)]
        if len(matches) != 1:
            continue
        new = matches[0]
        creates.remove(new)
        merged = Change(
            address=new.address,
            type=new.type,
            action="replace",
            before=gone.before,
            after=new.after,
            after_unknown=new.after_unknown,
            before_sensitive=gone.before_sensitive,
            after_sensitive=new.after_sensitive,
            reason="address changed without a `moved` block",
            previous_address=gone.address,
            prevent_destroy=gone.prevent_destroy or new.prevent_destroy,
            refs_after=new.refs_after,
            secret_refs=new.secret_refs,
            refs_before=gone.refs_before,
        )
        changes = [c for c in changes if c is not gone and c is not new] + [merged]
    return sorted(changes, key=lambda c: c.address)


def read_plan(doc: Any, configs: Sequence[dict[str, Any]] = ()) -> tuple[list[Change], Context]:
    """Changes from a plan JSON; `configs` are optional cdk.tf.json documents."""
    rcs = _validate(doc)
    config_refs = _config_refs(doc)
    secret_refs = _config_secret_refs(doc)
    extra_refs: dict[str, dict[str, set[str]]] = {}
    guarded: set[str] = set()
    for config in configs:
        for address, (_mode, _type, attrs) in blocks(config).items():
            extra_refs[address] = _merge(extra_refs.get(address, {}), attr_refs(attrs))
            if prevent_destroy(attrs):
                guarded.add(address)

    changes = []
    for rc in rcs:
        change = rc["change"]
        address = rc["address"]
        config_address = re.sub(r"\[[^\]]*\]$", "", address)
        refs = _merge(config_refs.get(config_address, {}), extra_refs.get(config_address, {}))
        prev = rc.get("previous_address") or ""
        changes.append(
            Change(
                address=address,
                type=str(rc.get("type") or address.split(".")[-2]),
                action=_action(change["actions"]),
                before=change.get("before"),
                after=change.get("after"),
                mode=str(rc.get("mode") or "managed"),
                after_unknown=change.get("after_unknown"),
                before_sensitive=change.get("before_sensitive"),
                after_sensitive=change.get("after_sensitive"),
                replace_paths=[tuple(p) for p in change.get("replace_paths") or [] if p],
                reason=str(rc.get("action_reason") or ""),
                previous_address=str(prev),
                moved_block=bool(prev),
                prevent_destroy=config_address in guarded,
                refs_after=refs if change.get("after") is not None else {},
                refs_before={},
                secret_refs=secret_refs.get(config_address, set()),
            )
        )

    ids: dict[str, str] = {}
    for c in changes:
        for side in (c.before, c.after):
            keys = ("id", "principal_id", "client_id") if c.type == USER_IDENTITY else ("id",)
            for key in keys:
                value = (side or {}).get(key)
                if isinstance(value, str) and value:
                    ids[value.lower()] = c.address
    for c in changes:
        c.refs_after = _merge(c.refs_after, _value_refs(c, ids))

    changes = _pair_renames(changes)
    ctx = Context(ids=ids)
    for c in changes:
        if c.after is not None and c.action != "delete":
            ctx.refs[c.address] = set().union(*c.refs_after.values()) if c.refs_after else set()
        if c.mode == "data":
            ctx.data[c.address] = c.after or c.before or {}
    state = ((doc.get("prior_state") or {}).get("values") or {}).get("root_module") or {}
    for res in state.get("resources") or []:
        if (
            isinstance(res, dict)
            and res.get("mode") == "data"
            and isinstance(res.get("address"), str)
        ):
            ctx.data.setdefault(res["address"], res.get("values") or {})
    return changes, ctx
