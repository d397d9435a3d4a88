"""Review rules for Azure Policy: a change that removes or weakens what Azure refuses
after deploy, or exempts something from it (issue 23).

High: an assignment deleted or replaced; weakened (effect Deny -> Audit or Disabled,
enforcement off, a parameter changed or removed, scopes excluded, overrides or resource
selectors added); an exemption added, extended or widened; a definition's rule changed
or the definition deleted. Low: tightening (enforcement on, a stronger effect) and an
exemption that ends.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from ..policy_catalog import BUILT_IN_IDS, EFFECT_STRENGTH, POLICIES
from .cdktf_json import refs_in
from .model import Change, Flag, Severity
from .values import mask_at

ASSIGNMENTS = frozenset(
    {
        "azurerm_resource_group_policy_assignment",
        "azurerm_subscription_policy_assignment",
        "azurerm_management_group_policy_assignment",
        "azurerm_resource_policy_assignment",
        "azurerm_policy_assignment",
    }
)
EXEMPTIONS = frozenset(
    {
        "azurerm_resource_group_policy_exemption",
        "azurerm_subscription_policy_exemption",
        "azurerm_management_group_policy_exemption",
        "azurerm_resource_policy_exemption",
        "azurerm_policy_exemption",
    }
)
DEFINITIONS = frozenset({"azurerm_policy_definition", "azurerm_policy_set_definition"})
_UNKNOWN = object()


def _flag(c: Change, severity: Severity, rule: str, message: str) -> Flag:
    return Flag(severity, c.address, rule, message, c.stack)


def _guid(definition_id: object) -> str | None:
    if isinstance(definition_id, str) and "${" not in definition_id:
        return definition_id.rstrip("/").rsplit("/", 1)[-1].lower()
    return None


def _label(attrs: dict[str, Any] | None) -> str:
    """What the assignment assigns: the catalog's name for a guardrail, else its display
    name, else its definition's name."""
    attrs = attrs or {}
    guid = _guid(attrs.get("policy_definition_id"))
    if guid is not None and guid in BUILT_IN_IDS:
        return f"'{POLICIES[BUILT_IN_IDS[guid]].display_name}'"
    if isinstance(attrs.get("display_name"), str) and attrs["display_name"]:
        return f"'{attrs['display_name']}'"
    return f"the policy {guid}" if guid else "its policy"


def _parameters(c: Change, side: str) -> dict[str, Any] | object:
    """The assignment's parameter values by name, {} when none, _UNKNOWN when the
    value is known only after apply or is an expression."""
    attrs = (c.before if side == "before" else c.after) or {}
    if side == "after" and mask_at(c.after_unknown, ("parameters",)):
        return _UNKNOWN
    raw = attrs.get("parameters")
    if raw in (None, ""):
        return {}
    if isinstance(raw, dict):
        parsed = raw
    elif isinstance(raw, str) and "${" not in raw:
        try:
            parsed = json.loads(raw)
        except json.JSONDecodeError:
            return _UNKNOWN
    else:
        return _UNKNOWN
    if not isinstance(parsed, dict):
        return _UNKNOWN
    return {
        name: (value.get("value") if isinstance(value, dict) else value)
        for name, value in parsed.items()
    }


def _effect(attrs: dict[str, Any] | None, parameters: dict[str, Any]) -> str | None:
    """The effect in force: the `effect` parameter, else the definition's default where
    the catalog knows the definition, else None."""
    effect = parameters.get("effect")
    if isinstance(effect, str):
        return effect
    guid = _guid((attrs or {}).get("policy_definition_id"))
    if guid is None or guid not in BUILT_IN_IDS:
        return None
    return POLICIES[BUILT_IN_IDS[guid]].default_effect


def _strength(effect: str | None) -> int | None:
    return EFFECT_STRENGTH.get(effect.lower()) if isinstance(effect, str) else None


def _enforced(c: Change, side: str) -> bool | object:
    attrs = (c.before if side == "before" else c.after) or {}
    if side == "after" and mask_at(c.after_unknown, ("enforce",)):
        return _UNKNOWN
    value = attrs.get("enforce", True)  # azurerm's default: Default enforcement
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value if isinstance(value, bool) else _UNKNOWN


def _listed(attrs: dict[str, Any] | None, key: str) -> list[Any]:
    value = (attrs or {}).get(key)
    return value if isinstance(value, list) else ([value] if value else [])


def policy_assignment_rules(c: Change, ctx: object) -> Iterator[Flag]:
    if c.type not in ASSIGNMENTS or c.mode != "managed":
        return
    label = _label(c.before or c.after)
    if c.action == "delete":
        yield _flag(
            c,
            Severity.HIGH,
            "policy-assignment-removed",
            f"Deleting it removes the assignment of {label}, so Azure stops refusing (or "
            "reporting) what that policy covers in its scope.",
        )
        return
    if c.before is None or c.after is None:
        return
    if c.action == "replace":
        yield _flag(
            c,
            Severity.HIGH,
            "policy-assignment-replaced",
            f"Replacing it deletes the assignment of {label} first: until the new one exists "
            "nothing is refused there, and the new one may assign something else.",
        )
    yield from _weakening(c, label)


def _weakening(c: Change, label: str) -> Iterator[Flag]:
    before_on, after_on = _enforced(c, "before"), _enforced(c, "after")
    if before_on is True and after_on is False:
        yield _flag(
            c,
            Severity.HIGH,
            "policy-enforcement-off",
            f"It turns enforcement of {label} off (DoNotEnforce), so Azure reports what the "
            "policy denied but refuses nothing.",
        )
    elif before_on is True and after_on is _UNKNOWN:
        yield _flag(
            c,
            Severity.MEDIUM,
            "policy-enforcement-off",
            f"Its enforcement of {label} is known only after apply and may be turned off.",
        )
    elif before_on is False and after_on is True:
        yield _flag(c, Severity.LOW, "policy-tightened", f"It turns enforcement of {label} on.")
    old, new = _parameters(c, "before"), _parameters(c, "after")
    if new is _UNKNOWN or old is _UNKNOWN:
        if old != new:
            yield _flag(
                c,
                Severity.MEDIUM,
                "policy-parameter-changed",
                f"Its parameters for {label} are known only after apply, and may loosen it.",
            )
    else:
        assert isinstance(old, dict) and isinstance(new, dict)
        yield from _parameter_flags(c, label, old, new)
    for key, what in (
        ("not_scopes", "excludes scopes from it"),
        ("overrides", "overrides its effect for some resources"),
        ("resource_selectors", "limits it to selected resources"),
    ):
        before, after = _listed(c.before, key), _listed(c.after, key)
        if mask_at(c.after_unknown, (key,)) or any(item not in before for item in after):
            yield _flag(
                c,
                Severity.HIGH,
                "policy-scope-excluded" if key == "not_scopes" else "policy-override",
                f"It {what} ({key}), so {label} no longer applies everywhere it did.",
            )


def _parameter_flags(
    c: Change, label: str, old: dict[str, Any], new: dict[str, Any]
) -> Iterator[Flag]:
    before_effect, after_effect = _effect(c.before, old), _effect(c.after, new)
    before_rank, after_rank = _strength(before_effect), _strength(after_effect)
    if before_effect != after_effect:
        if before_rank is not None and (after_rank is None or after_rank < before_rank):
            yield _flag(
                c,
                Severity.HIGH,
                "policy-effect-weakened",
                f"It changes the effect of {label} from {before_effect} to "
                f"{after_effect or 'an unknown default'}"
                f"{'' if 'effect' in new else ' (the parameter is gone: the definition default)'}"
                ", so Azure "
                f"{'no longer refuses' if before_rank == 3 else 'no longer reports'} what it "
                "covers.",
            )
        elif after_rank is not None and before_rank is not None and after_rank > before_rank:
            yield _flag(
                c,
                Severity.LOW,
                "policy-tightened",
                f"It strengthens the effect of {label} from {before_effect} to {after_effect}.",
            )
    changed = sorted(
        name for name in set(old) | set(new) if name != "effect" and old.get(name) != new.get(name)
    )
    if changed:
        yield _flag(
            c,
            Severity.HIGH,
            "policy-parameter-changed",
            f"It changes the parameter(s) {', '.join(changed)} of {label}; the review cannot "
            "tell whether that narrows what it refuses, so check it does not loosen it.",
        )


def policy_exemption_rules(c: Change, ctx: object) -> Iterator[Flag]:
    if c.type not in EXEMPTIONS or c.mode != "managed" or c.after is None:
        if c.type in EXEMPTIONS and c.action == "delete":
            yield _flag(
                c,
                Severity.LOW,
                "policy-exemption-removed",
                "The exemption ends: the policy applies to that scope again.",
            )
        return
    after = c.after
    scope = next(
        (after[key] for key in ("resource_id", "resource_group_id", "subscription_id",
                                "management_group_id") if after.get(key)),
        None,
    )  # fmt: skip
    what = _scope_words(scope)
    ends = after.get("expires_on")
    if mask_at(c.after_unknown, ("expires_on",)):
        until = "until a date known only after apply"
    else:
        until = f"until {ends}" if isinstance(ends, str) and ends else "with no expiry"
    assignment = _assignment_words(after.get("policy_assignment_id"))
    if c.before is None or c.action in ("create", "replace"):
        yield _flag(
            c,
            Severity.HIGH,
            "policy-exemption-added",
            f"It exempts {what} from {assignment} ({after.get('exemption_category') or 'Waiver'}"
            f", {until}), so that policy no longer refuses or reports it there.",
        )
        return
    old_end, new_end = c.before.get("expires_on"), after.get("expires_on")
    longer = (old_end and not new_end) or (
        isinstance(old_end, str) and isinstance(new_end, str) and new_end > old_end
    )
    if longer or mask_at(c.after_unknown, ("expires_on",)):
        yield _flag(
            c,
            Severity.HIGH,
            "policy-exemption-extended",
            f"It extends the exemption of {what} from {assignment} ({until}).",
        )
    old_refs = _listed(c.before, "policy_definition_reference_ids")
    new_refs = _listed(after, "policy_definition_reference_ids")
    if (old_refs and not new_refs) or any(ref not in old_refs for ref in new_refs if old_refs):
        yield _flag(
            c,
            Severity.HIGH,
            "policy-exemption-extended",
            f"It widens the exemption of {what} to more policies of {assignment}.",
        )


def _scope_words(scope: object) -> str:
    if isinstance(scope, str) and "${" in scope:
        refs = sorted(refs_in(scope))
        tail = scope.rsplit("}", 1)[-1]
        return f"{tail.strip('/') or 'the scope'} of {refs[0]}" if refs else "a scope"
    if isinstance(scope, str) and scope:
        return scope.rstrip("/").rsplit("/", 1)[-1] or scope
    return "a scope"


def _assignment_words(value: object) -> str:
    refs = sorted(refs_in(value)) if isinstance(value, str) else []
    if refs:
        return refs[0]
    if isinstance(value, str) and value:
        return f"the assignment {value.rstrip('/').rsplit('/', 1)[-1]}"
    return "its assignment"


def policy_definition_rules(c: Change, ctx: object) -> Iterator[Flag]:
    if c.type not in DEFINITIONS or c.mode != "managed":
        return
    name = str(((c.before or c.after) or {}).get("display_name") or c.address)
    if c.action == "delete":
        yield _flag(
            c,
            Severity.HIGH,
            "policy-definition-removed",
            f"Deleting the definition '{name}' removes what its assignments enforce.",
        )
        return
    if c.before is None or c.after is None:
        return
    changed = [
        key
        for key in ("policy_rule", "mode", "parameters", "policy_definitions", "policy_definition")
        if _normal(c.before.get(key)) != _normal(c.after.get(key))
        or mask_at(c.after_unknown, (key,))
    ]
    if changed:
        yield _flag(
            c,
            Severity.HIGH,
            "policy-definition-changed",
            f"It changes {', '.join(changed)} of the definition '{name}', so every assignment "
            "of it may refuse less; check it still denies what it did.",
        )


def _normal(value: object) -> object:
    """A JSON string as its value (plans and synth write the same JSON differently)."""
    if isinstance(value, str) and "${" not in value:
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


POLICY_RULES = [policy_assignment_rules, policy_exemption_rules, policy_definition_rules]
