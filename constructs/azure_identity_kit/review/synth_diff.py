"""Two synthesized cdktf outdirs -> Changes per stack, with no Terraform and no Azure.

Without a provider schema a diff cannot know everything a plan knows, so it guesses
the two things that matter most and says so:
- replacement: azurerm cannot change `name`, `location` or `resource_group_name` (and a few
  parent IDs) in place, and has no in-place update for role assignments at all;
- renames: a removed and an added block of the same type with identical attributes (after
  following other renames) are one object under a new address. With a matching `moved`
  block in the head that is harmless; without one Terraform destroys and recreates it.
"""

import json
import re
from pathlib import Path
from typing import Any

from .cdktf_json import attr_refs, blocks, moved_blocks, prevent_destroy
from .model import Change, Flag, InputError, Severity, load_json
from .rules import ROLE_ASSIGNMENT, Context, evaluate

FORCE_NEW = {
    "name",
    "location",
    "resource_group_name",
    "storage_account_name",
    "storage_account_id",
    "key_vault_id",
}
META = {"//", "depends_on", "lifecycle", "provider", "count", "for_each", "provisioner"}


def load_outdir(outdir: str | Path) -> dict[str, dict[str, Any]]:
    """Stack name -> cdk.tf.json document, from <outdir>/stacks/<stack>/cdk.tf.json."""
    outdir = Path(outdir)
    if not outdir.is_dir():
        raise InputError(f"{outdir}: not a directory (expected a synthesized cdktf outdir)")
    stacks = {}
    for path in sorted(outdir.glob("stacks/*/cdk.tf.json")):
        doc = load_json(path, "a synthesized cdk.tf.json")
        if not isinstance(doc, dict):
            raise InputError(f"{path}: not a JSON object")
        stacks[path.parent.name] = doc
    return stacks


def _strip(value: Any) -> Any:
    """Drop cdktf `//` metadata and depends_on ordering, which do not change infrastructure."""
    if isinstance(value, dict):
        out = {k: _strip(v) for k, v in value.items() if k != "//"}
        if isinstance(out.get("depends_on"), list):
            out["depends_on"] = sorted(out["depends_on"], key=str)
        return out
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def _renamed(attrs: dict[str, Any], renames: dict[str, str]) -> dict[str, Any]:
    """attrs with references to renamed addresses rewritten to the new addresses."""
    text = json.dumps(_strip(attrs), sort_keys=True)
    for old, new in renames.items():
        text = re.sub(r"(?<![\w.])" + re.escape(old) + r"(?![\w-])", new, text)
    renamed: dict[str, Any] = json.loads(text)
    return renamed


def _replace_keys(rtype: str, before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    changed = sorted(k for k in (set(before) | set(after)) - META if before.get(k) != after.get(k))
    if rtype == ROLE_ASSIGNMENT:  # azurerm has no in-place update for role assignments
        return changed
    return [k for k in changed if k in FORCE_NEW]


def diff_stack(
    stack: str, base: dict[str, Any], head: dict[str, Any]
) -> tuple[list[Change], Context]:
    old, new = blocks(base), blocks(head)
    moves = {
        f: t
        for f, t in moved_blocks(head).items()
        if f in old and f not in new and t in new and t not in old
    }
    # Renames without a moved block: match repeatedly, because a renamed identity also changes
    # the references of the grants and apps that were renamed with it.
    removed = sorted(set(old) - set(new) - set(moves))
    added = sorted(set(new) - set(old) - set(moves.values()))
    guessed: dict[str, str] = {}
    found = True
    while found:
        found = False
        for gone in list(removed):
            renames = {**moves, **guessed}
            same = [
                a
                for a in added
                if old[gone][:2] == new[a][:2]
                and _renamed(old[gone][2], {**renames, gone: a}) == _strip(new[a][2])
            ]
            if len(same) == 1:
                guessed[gone] = same[0]
                removed.remove(gone)
                added.remove(same[0])
                found = True

    changes = []
    previous = {t: f for f, t in {**moves, **guessed}.items()}
    for address in sorted(new):
        mode, rtype, attrs = new[address]
        prev = previous.get(address, "")
        if address in added:
            action, before, replace = "create", None, []
        else:
            before = _renamed(old[prev or address][2], moves)
            after = _strip(attrs)
            replace = _replace_keys(rtype, before, after) if mode == "managed" else []
            if address in guessed.values() or replace:
                action = "replace"
            else:
                action = "update" if before != after else "no-op"
        reason = ""
        if address in guessed.values():
            reason = "address changed without a `moved` block"
        elif replace:
            reason = f"likely replaced: azurerm cannot change {', '.join(replace)} in place"
        base_attrs = old[prev or address][2] if before is not None else None
        changes.append(
            Change(
                address=address,
                type=rtype,
                action=action,
                before=before,
                after=_strip(attrs),
                stack=stack,
                mode=mode,
                replace_paths=[(k,) for k in replace],
                reason=reason,
                previous_address=prev,
                moved_block=address in moves.values(),
                prevent_destroy=action == "replace"
                and (prevent_destroy(base_attrs) or prevent_destroy(attrs)),
                refs_after=attr_refs(attrs),
                refs_before=attr_refs(base_attrs),
            )
        )
    for address in removed:
        mode, rtype, attrs = old[address]
        changes.append(
            Change(
                address=address,
                type=rtype,
                action="delete",
                before=_strip(attrs),
                stack=stack,
                mode=mode,
                prevent_destroy=prevent_destroy(attrs),
                refs_before=attr_refs(attrs),
            )
        )
    ctx = Context(
        refs={a: set().union(*attr_refs(attrs).values()) for a, (_m, _t, attrs) in new.items()},
        data={a: _strip(v[2]) for a, v in {**old, **new}.items() if v[0] == "data"},
    )
    return sorted(changes, key=lambda c: c.address), ctx


def diff_outdirs(
    base: dict[str, dict[str, Any]], head: dict[str, dict[str, Any]]
) -> tuple[list[Change], list[Flag], list[str], list[str]]:
    """(changes, flags, stacks_added, stacks_removed) for every stack of two outdirs."""
    changes: list[Change] = []
    flags: list[Flag] = []
    for stack in sorted(set(head)):
        stack_changes, ctx = diff_stack(stack, base.get(stack, {}), head[stack])
        changes += stack_changes
        flags += evaluate(stack_changes, ctx)
    removed = sorted(set(base) - set(head))
    for stack in removed:
        count = len(blocks(base[stack]))
        flags.append(
            Flag(
                Severity.MEDIUM,
                f"stack {stack}",
                "stack-removed",
                f"The stack is no longer synthesized, so its {count} resources and data sources "
                "stop being managed here but keep running (with their grants) until destroyed.",
                stack,
            )
        )
    flags.sort(key=lambda f: (-f.severity, f.stack, f.address, f.rule))
    return changes, flags, sorted(set(head) - set(base)), removed
