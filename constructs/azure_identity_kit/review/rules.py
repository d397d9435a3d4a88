"""Risk rules shared by the plan review and the synth diff.

Each rule looks at one Change (before/after attribute dicts plus a little context)
and yields Flags. A change no rule flags gets one LOW flag, so every change is
accounted for. Messages are one sentence, name no attribute values except role
names and scope kinds, and so never leak a secret.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from .cdktf_json import refs_in
from .model import Change, Flag, Severity
from .values import attribute_rows, mask_at

ROLE_ASSIGNMENT = "azurerm_role_assignment"
USER_IDENTITY = "azurerm_user_assigned_identity"
REGISTRY = "azurerm_container_registry"

# Roles that can change resources or hand out access. Owner, UAA and RBAC Administrator
# can also grant roles to others, which makes them a path to everything else.
PRIVILEGED_IDS = {
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
    "b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": "User Access Administrator",
    "f58310d9-a9f6-439a-9e8d-f62e7b41a168": "Role Based Access Control Administrator",
}
PRIVILEGED_NAMES = {name.lower(): name for name in PRIVILEGED_IDS.values()}
GRANTS_ACCESS = {"Owner", "User Access Administrator", "Role Based Access Control Administrator"}
_GUID = re.compile(r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\s*$", re.I)

# Scope breadth, narrowest first.
SUB_RESOURCE, RESOURCE, RESOURCE_GROUP, SUBSCRIPTION, MANAGEMENT_GROUP, ROOT = range(6)
SCOPE_NAMES = [
    "sub-resource (container, queue, secret)",
    "resource",
    "resource group",
    "subscription",
    "management group",
    "tenant root",
]
_SCOPE_BY_TYPE = {
    "azurerm_resource_group": RESOURCE_GROUP,
    "data.azurerm_resource_group": RESOURCE_GROUP,
    "azurerm_subscription": SUBSCRIPTION,
    "data.azurerm_subscription": SUBSCRIPTION,
    "azurerm_management_group": MANAGEMENT_GROUP,
    "data.azurerm_management_group": MANAGEMENT_GROUP,
    **{
        t: SUB_RESOURCE
        for t in (
            "azurerm_storage_container",
            "azurerm_storage_queue",
            "azurerm_storage_share",
            "azurerm_storage_table",
            "azurerm_key_vault_secret",
            "azurerm_key_vault_key",
            "azurerm_key_vault_certificate",
            "azurerm_servicebus_queue",
            "azurerm_servicebus_topic",
            "azurerm_eventhub",
        )
    },
}

# Replacing these loses data or an identity that others were granted.
STATEFUL = {
    REGISTRY: "registry and every image in it",
    "azurerm_key_vault": "vault with its secrets, keys and certificates",
    "azurerm_storage_account": "storage account and all its data",
    "azurerm_linux_virtual_machine": "virtual machine with its OS disk and local state",
    "azurerm_windows_virtual_machine": "virtual machine with its OS disk and local state",
    USER_IDENTITY: "identity with its principal and every grant to it; a new one starts with none",
    "azurerm_cosmosdb_account": "Cosmos DB account with all its data and data-plane grants",
    "azurerm_cosmosdb_sql_database": "Cosmos DB database and all its containers' data",
    "azurerm_cosmosdb_sql_container": "Cosmos DB container and all its items",
    "azurerm_mssql_server": "SQL server and databases; a new identity lacks Directory Readers",
    "azurerm_mssql_database": "SQL database with its data and its Entra ID database users",
}


@dataclass
class Context:
    """What a rule may need beyond its own change."""

    # Every resource that still exists afterwards -> addresses it references.
    refs: dict[str, set[str]] = field(default_factory=dict)
    # Data source address -> attributes (resolves data.azurerm_role_definition references).
    data: dict[str, dict] = field(default_factory=dict)


# --- attribute helpers -----------------------------------------------------------------------


def blocks(value) -> list[dict]:
    """A nested block as a list: plan JSON always uses lists, cdktf uses an object for max-1."""
    if isinstance(value, dict):
        return [value]
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def has_system_identity(attrs: dict | None) -> bool:
    return any(
        "systemassigned" in str(b.get("type", "")).lower().replace(" ", "")
        for b in blocks((attrs or {}).get("identity"))
    )


def _literal(value) -> str | None:
    return value if isinstance(value, str) and value and "${" not in value else None


def role_name(attrs: dict | None, ctx: Context) -> str | None:
    """The role's display name, or its definition ID, or None when unknown."""
    attrs = attrs or {}
    if name := _literal(attrs.get("role_definition_name")):
        return PRIVILEGED_NAMES.get(name.strip().lower(), name.strip())
    rid = attrs.get("role_definition_id")
    if isinstance(rid, str) and "${" in rid:  # data.azurerm_role_definition.x.id
        for ref in sorted(refs_in(rid)):
            data = ctx.data.get(ref) or {}
            if name := _literal(data.get("name")):
                return PRIVILEGED_NAMES.get(name.strip().lower(), name.strip())
            rid = data.get("role_definition_id") or data.get("id") or rid
    if isinstance(rid, str) and (match := _GUID.search(rid)):
        return PRIVILEGED_IDS.get(match.group(1).lower(), f"role {match.group(1).lower()}")
    return None


def privileged_role(attrs: dict | None, ctx: Context) -> str | None:
    name = role_name(attrs, ctx)
    return name if name in GRANTS_ACCESS or name == "Contributor" else None


def arm_scope_level(scope: str) -> int | None:
    """Classify an ARM ID (or data-plane URL) by its shape."""
    scope = scope.strip()
    if scope == "/":
        return ROOT
    if scope.lower().startswith("https://"):
        return SUB_RESOURCE if scope.split("//", 1)[1].strip("/").count("/") else RESOURCE
    parts = [p.lower() for p in scope.strip("/").split("/")]
    if parts[:3] == ["providers", "microsoft.management", "managementgroups"] and len(parts) == 4:
        return MANAGEMENT_GROUP
    if len(parts) < 2 or parts[0] != "subscriptions":
        return None
    if len(parts) == 2:
        return SUBSCRIPTION
    if len(parts) == 4 and parts[2] == "resourcegroups":
        return RESOURCE_GROUP
    if "providers" in parts:
        rest = parts[parts.index("providers") + 1 :]  # namespace/type/name[/child/name...]
        return RESOURCE if len(rest) <= 3 else SUB_RESOURCE
    return None


def type_scope_level(address: str) -> int | None:
    rtype = address.rsplit(".", 1)[0]
    if rtype in _SCOPE_BY_TYPE:
        return _SCOPE_BY_TYPE[rtype]
    return RESOURCE if rtype.removeprefix("data.").startswith("azurerm_") else None


def scope_level(value, refs: set[str] | None) -> int | None:
    """Level of a literal ARM ID, of a `${ref}` token, or of config references (unknown value)."""
    if isinstance(value, str) and value:
        if "${" not in value:
            return arm_scope_level(value)
        if re.fullmatch(r"\$\{[^}]*\}", value.strip()):
            refs = refs_in(value)
        else:
            return None
    levels = {type_scope_level(r) for r in refs or ()}
    return levels.pop() if len(levels) == 1 else None


def _level(change: Change, side: str) -> int | None:
    attrs = change.before if side == "before" else change.after
    if attrs is None:
        return None
    value = attrs.get("scope")
    if side == "after" and mask_at(change.after_unknown, ("scope",)):
        value = None
    refs = (change.refs_before if side == "before" else change.refs_after).get("scope")
    return scope_level(value, refs)


def _differs(change: Change, key: str) -> bool:
    before, after = change.before or {}, change.after or {}
    return before.get(key) != after.get(key) or mask_at(change.after_unknown, (key,))


# --- rules -----------------------------------------------------------------------------------


def _flag(change: Change, severity: Severity, rule: str, message: str) -> Flag:
    return Flag(severity, change.address, rule, message, change.stack)


def role_assignment_rules(c: Change, ctx: Context) -> Iterator[Flag]:
    if c.type != ROLE_ASSIGNMENT:
        return
    # A changed ABAC condition counts too: loosening it widens what the role may do.
    keys = ("principal_id", "role_definition_name", "role_definition_id", "scope", "condition")
    new_grant = c.before is None or any(_differs(c, k) for k in keys)
    new_principal = c.before is None or _differs(c, "principal_id")
    if c.after is not None and c.action != "delete":
        before_level, after_level = _level(c, "before"), _level(c, "after")
        where = f" at {SCOPE_NAMES[after_level]} scope" if after_level is not None else ""
        role = privileged_role(c.after, ctx)
        if role and new_grant:
            also = ""
            if role in GRANTS_ACCESS:
                limited = c.after.get("condition") or mask_at(c.after_unknown, ("condition",))
                also = (
                    " and hand out access as far as its ABAC condition allows"
                    if limited
                    else " and hand out access to anyone"
                )
            yield _flag(
                c,
                Severity.HIGH,
                "privileged-role",
                f"It grants the privileged role {role}{where}, so its principal can change "
                f"everything in that scope{also}.",
            )
        if c.before is not None and None not in (before_level, after_level):
            if after_level > before_level:
                yield _flag(
                    c,
                    Severity.HIGH,
                    "scope-broader",
                    f"Its scope widens from {SCOPE_NAMES[before_level]} to "
                    f"{SCOPE_NAMES[after_level]}, so the role now covers everything in it.",
                )
        elif c.before is None and after_level is not None and after_level >= SUBSCRIPTION:
            yield _flag(
                c,
                Severity.HIGH,
                "scope-broader",
                f"It grants {role_name(c.after, ctx) or 'a role'} at "
                f"{SCOPE_NAMES[after_level]} scope, far broader than any single workload needs.",
            )
        if after_level == RESOURCE_GROUP and new_principal and not role:
            yield _flag(
                c,
                Severity.MEDIUM,
                "resource-group-grant",
                f"It grants {role_name(c.after, ctx) or 'a role'} at resource group scope, so the "
                "principal reaches every current and future resource in the group.",
            )
    if c.action == "delete":
        yield _flag(
            c,
            Severity.MEDIUM,
            "role-removed",
            f"Removing it takes {role_name(c.before, ctx) or 'the role'} away from its principal, "
            "which can cut a workload off from what it needs.",
        )
    elif c.action == "replace" and c.before is not None and new_grant:
        yield _flag(
            c,
            Severity.MEDIUM,
            "role-removed",
            f"Replacing it deletes the old grant of {role_name(c.before, ctx) or 'its role'} "
            "first, which can cut a workload off from what it needs.",
        )


def system_identity_rules(c: Change, ctx: Context) -> Iterator[Flag]:
    if not has_system_identity(c.before):
        return
    if (
        c.after is not None
        and c.action != "delete"
        and not mask_at(c.after_unknown, ("identity",))
        and not has_system_identity(c.after)
    ):
        yield _flag(
            c,
            Severity.HIGH,
            "system-identity-removed",
            "Its system-assigned identity goes away, and Azure deletes that principal together "
            "with every role assignment it held.",
        )
    if c.action == "replace":
        yield _flag(
            c,
            Severity.HIGH,
            "system-identity-replaced",
            "Replacing it creates a new system-assigned principal, so every grant to the old one "
            "is lost and the workload has no access until new grants exist.",
        )


def user_identity_rules(c: Change, ctx: Context) -> Iterator[Flag]:
    if c.type != USER_IDENTITY or c.action not in ("delete", "replace"):
        return
    names = {c.address, c.previous_address} - {""}
    users = sorted(a for a, refs in ctx.refs.items() if a not in names and refs & names)
    if users:
        shown = ", ".join(users[:3]) + (f" and {len(users) - 3} more" if len(users) > 3 else "")
        verb = "deleted" if c.action == "delete" else "replaced"
        yield _flag(
            c,
            Severity.HIGH,
            "user-identity-in-use",
            f"This user-assigned identity is {verb} while {shown} still "
            f"{'references' if len(users) == 1 else 'reference'} it, so the principal their "
            "grants, image pulls and secret references rely on goes away.",
        )


def prevent_destroy_rules(c: Change, ctx: Context) -> Iterator[Flag]:
    if c.prevent_destroy and c.destroys:
        yield _flag(
            c,
            Severity.HIGH,
            "prevent-destroy",
            "It is marked prevent_destroy, yet this change destroys it, so the guard is "
            "being bypassed (or removed together with the resource).",
        )


def registry_rules(c: Change, ctx: Context) -> Iterator[Flag]:
    if c.type != REGISTRY or c.after is None or c.action == "delete":
        return
    before = c.before or {}
    if c.after.get("admin_enabled") is True and before.get("admin_enabled") is not True:
        yield _flag(
            c,
            Severity.HIGH,
            "acr-admin-user",
            "It turns on the registry admin user, a shared username and password that bypasses "
            "managed identities and RBAC.",
        )
    if (
        c.after.get("anonymous_pull_enabled") is True
        and before.get("anonymous_pull_enabled") is not True
    ):
        yield _flag(
            c,
            Severity.HIGH,
            "acr-anonymous-pull",
            "It turns on anonymous pull, so anyone who can reach the registry can pull its "
            "images without any identity.",
        )


def _uses(items: list[dict], *keys: str) -> bool:
    return any(any(item.get(k) for k in keys) for item in items)


def credential_rules(c: Change, ctx: Context) -> Iterator[Flag]:
    """An identity-based pull or secret reference replaced by a stored password or value."""
    if c.before is None or c.after is None or c.action == "delete":
        return
    pulls = {
        "azurerm_container_app": ("registry", ("identity",), ("username", "password_secret_name")),
        "azurerm_container_group": (
            "image_registry_credential",
            ("user_assigned_identity_id",),
            ("username", "password"),
        ),
    }
    if c.type in pulls:
        attr, identity_keys, password_keys = pulls[c.type]
        old, new = blocks(c.before.get(attr)), blocks(c.after.get(attr))
        with_password = [
            r for r in new if _uses([r], *password_keys) and not _uses([r], *identity_keys)
        ]
        if _uses(old, *identity_keys) and with_password:
            yield _flag(
                c,
                Severity.HIGH,
                "pull-password",
                "Its image pull switches from a managed identity to a username and password, a "
                "long-lived secret that must be stored and rotated.",
            )
    if c.type == "azurerm_container_app":
        from_vault = {
            s.get("name") for s in blocks(c.before.get("secret")) if s.get("key_vault_secret_id")
        }
        literal = {
            s.get("name")
            for s in blocks(c.after.get("secret"))
            if s.get("value") and not s.get("key_vault_secret_id")
        }
        if from_vault & literal:
            yield _flag(
                c,
                Severity.HIGH,
                "secret-literal",
                "A secret that was read from Key Vault through an identity now holds a literal "
                "value, which lands in the Terraform state and is no longer rotated in the vault.",
            )


def stateful_rules(c: Change, ctx: Context) -> Iterator[Flag]:
    if c.type not in STATEFUL or not c.destroys:
        return
    what = STATEFUL[c.type]
    if c.action == "replace":
        yield _flag(c, Severity.MEDIUM, "stateful-replaced", f"Replacing it destroys the {what}.")
    else:
        yield _flag(c, Severity.MEDIUM, "stateful-deleted", f"Deleting it destroys the {what}.")


def moved_rules(c: Change, ctx: Context) -> Iterator[Flag]:
    if c.moved and not c.moved_block:
        yield _flag(
            c,
            Severity.MEDIUM,
            "moved-without-block",
            f"Its address changed from {c.previous_address} without a `moved` block, so Terraform "
            "destroys the existing object and creates a new one instead of keeping it.",
        )


RULES = [
    role_assignment_rules,
    system_identity_rules,
    user_identity_rules,
    prevent_destroy_rules,
    registry_rules,
    credential_rules,
    stateful_rules,
    moved_rules,
]


def _low(c: Change, ctx: Context) -> Flag:
    if c.type == ROLE_ASSIGNMENT and c.action in ("create", "replace"):
        level = _level(c, "after")
        where = f" at {SCOPE_NAMES[level]} scope" if level is not None else ""
        role = role_name(c.after, ctx) or "a role"
        text = f"It grants {role}{where}, a narrow non-privileged grant."
        return _flag(c, Severity.LOW, "narrow-grant", text)
    if c.action == "no-op" and c.moved:
        text = (
            f"It moves from {c.previous_address} with a `moved` block; Terraform keeps the object."
        )
        return _flag(c, Severity.LOW, "moved", text)
    tops = list(dict.fromkeys(r.path.split(".")[0] for r in attribute_rows(c)))
    what = ", ".join(tops[:4]) + (", ..." if len(tops) > 4 else "")
    text = {
        "create": f"It creates a new {c.type}",
        "delete": "It is deleted",
        "update": f"It changes {what or 'attributes'}",
        "replace": f"It is replaced ({what or 'forced by the provider'})",
    }.get(c.action, f"Action {c.action}")
    return _flag(c, Severity.LOW, "other", f"{text}; no risk rule matched.")


def evaluate(changes: list[Change], ctx: Context) -> list[Flag]:
    """Flags for every managed change, highest severity first."""
    flags: list[Flag] = []
    for change in changes:
        if change.mode != "managed" or (change.action in ("no-op", "read") and not change.moved):
            continue
        found = [flag for rule in RULES for flag in rule(change, ctx)]
        flags.extend(found or [_low(change, ctx)])
    return sort_flags(flags)


def sort_flags(flags: list[Flag]) -> list[Flag]:
    return sorted(flags, key=lambda f: (-f.severity, f.stack, f.address, f.rule))
