"""Risk rules shared by the plan review and the synth diff.

Each rule looks at one Change (before/after attribute dicts plus a little context)
and yields Flags. A change no rule flags gets one LOW flag, so every change is
accounted for. Messages are one sentence and quote no attribute values beyond role
names, scope kinds, principal types, boolean settings and the names (never the values)
of app settings, so they never leak a secret.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from . import attributes as attr
from .cdktf_json import refs_in
from .model import Change, Flag, Severity
from .policy_rules import POLICY_RULES
from .roles import GRANTS_ACCESS, ROLE_IDS, ROLE_NAMES, compare
from .values import attribute_rows, mask_at

ROLE_ASSIGNMENT = "azurerm_role_assignment"
USER_IDENTITY = "azurerm_user_assigned_identity"
REGISTRY = "azurerm_container_registry"
FEDERATED_CREDENTIAL = "azurerm_federated_identity_credential"
KEY_VAULT = "azurerm_key_vault"
ACCESS_POLICY = "azurerm_key_vault_access_policy"

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

GrantKey = tuple[str | tuple[str, ...], ...]
"""(principal, scope) of a role assignment: each a literal, or the addresses it references."""


@dataclass
class Context:
    """What a rule may need beyond its own change."""

    # Every resource that still exists afterwards -> addresses it references.
    refs: dict[str, set[str]] = field(default_factory=dict)
    # Data source address -> attributes (resolves data.azurerm_role_definition references).
    data: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Lower-cased resource ID (and an identity's principal/client ID) -> address, from a plan.
    ids: dict[str, str] = field(default_factory=dict)
    # Filled by evaluate(): addresses whose object is new (created or replaced), and role
    # assignments by (principal, scope): the grants going away and the ones being made.
    new_objects: set[str] = field(default_factory=set)
    grants_removed: dict[GrantKey, list[Change]] = field(default_factory=dict)
    grants_added: dict[GrantKey, list[Change]] = field(default_factory=dict)
    # Stacks (plan: "") that keep a private endpoint: their data services are meant to be
    # private (the kit's `private` network posture, docs/networking.md).
    private_stacks: set[str] = field(default_factory=set)


# --- attribute helpers -----------------------------------------------------------------------


def blocks(value: object) -> list[dict[str, Any]]:
    """A nested block as a list: plan JSON always uses lists, cdktf uses an object for max-1."""
    if isinstance(value, dict):
        return [value]
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def has_system_identity(attrs: dict[str, Any] | None) -> bool:
    return any(
        "systemassigned" in str(b.get("type", "")).lower().replace(" ", "")
        for b in blocks((attrs or {}).get("identity"))
    )


def _literal(value: object) -> str | None:
    return value if isinstance(value, str) and value and "${" not in value else None


def role_name(attrs: dict[str, Any] | None, ctx: Context) -> str | None:
    """The role's display name, or its definition ID, or None when unknown."""
    attrs = attrs or {}
    if name := _literal(attrs.get("role_definition_name")):
        return ROLE_NAMES.get(name.strip().lower(), name.strip())
    rid = attrs.get("role_definition_id")
    if isinstance(rid, str) and "${" in rid:  # data.azurerm_role_definition.x.id
        for ref in sorted(refs_in(rid)):
            data = ctx.data.get(ref) or {}
            if name := _literal(data.get("name")):
                return ROLE_NAMES.get(name.strip().lower(), name.strip())
            rid = data.get("role_definition_id") or data.get("id") or rid
    if isinstance(rid, str) and (match := _GUID.search(rid)):
        return ROLE_IDS.get(match.group(1).lower(), f"role {match.group(1).lower()}")
    return None


def privileged_role(attrs: dict[str, Any] | None, ctx: Context) -> str | None:
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


def scope_level(value: object, refs: set[str] | None) -> int | None:
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
        if c.before is not None and before_level is not None and after_level is not None:
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
    if c.after is not None and c.action in ("create", "replace"):
        yield from _role_changes(c, ctx)
    if c.action == "delete":
        if moved := _kept_as(c, ctx):
            other, role = moved
            yield _flag(
                c,
                Severity.LOW,
                "role-moved",
                f"Its principal keeps a role at the same scope, {role} through {other}.",
            )
            return
        yield _flag(
            c,
            Severity.MEDIUM,
            "role-removed",
            f"Removing it takes {role_name(c.before, ctx) or 'the role'} away from its principal, "
            "which can cut a workload off from what it needs.",
        )
    elif c.action == "replace" and c.before is not None and new_grant:
        same_grant = grant_key(c, "before") is not None and grant_key(c, "before") == grant_key(
            c, "after"
        )
        if same_grant and _ranked(role_name(c.before, ctx), role_name(c.after, ctx)):
            return  # role-escalated or role-narrowed says what really happens
        yield _flag(
            c,
            Severity.MEDIUM,
            "role-removed",
            f"Replacing it deletes the old grant of {role_name(c.before, ctx) or 'its role'} "
            "first, which can cut a workload off from what it needs.",
        )


def grant_key(c: Change, side: str) -> GrantKey | None:
    """(principal, scope) of a role assignment: literal values, or the addresses they reference."""
    attrs = (c.before if side == "before" else c.after) or {}
    refs = c.refs_before if side == "before" else c.refs_after
    key: list[str | tuple[str, ...]] = []
    for name in ("principal_id", "scope"):
        value = attrs.get(name)
        if side == "after" and mask_at(c.after_unknown, (name,)):
            value = None
        if isinstance(value, str) and value.strip():
            key.append(value.strip().lower())
        elif refs.get(name):
            key.append(tuple(sorted(refs[name])))
        else:
            return None
    return tuple(key)


def _ranked(old: str | None, new: str | None) -> str | None:
    direction = compare(old, new)
    return direction if direction in ("more", "less") else None


def _role_changes(c: Change, ctx: Context) -> Iterator[Flag]:
    """The same principal at the same scope trades a role for one that can do more (or less)."""
    new = role_name(c.after, ctx)
    seen = set()
    for old_change in ctx.grants_removed.get(grant_key(c, "after") or (), []):
        old = role_name(old_change.before, ctx)
        direction = _ranked(old, new)
        if not direction or direction in seen:
            continue
        seen.add(direction)
        if direction == "more":
            yield _flag(
                c,
                Severity.MEDIUM,
                "role-escalated",
                f"It replaces {old} with {new} for the same principal and scope, and {new} can do "
                f"everything {old} could and more.",
            )
        else:
            yield _flag(
                c,
                Severity.LOW,
                "role-narrowed",
                f"It replaces {old} with {new} for the same principal and scope, and {new} can do "
                f"less, so check that the workload needs nothing only {old} allowed.",
            )


def _kept_as(c: Change, ctx: Context) -> tuple[str, str] | None:
    """A deleted grant whose principal gets a ranked role at the same scope elsewhere."""
    old = role_name(c.before, ctx)
    for other in ctx.grants_added.get(grant_key(c, "before") or (), []):
        if other is c:
            continue
        new = role_name(other.after, ctx)
        if new is not None and _ranked(old, new):
            return other.address, new
    return None


def condition_rules(c: Change, ctx: Context) -> Iterator[Flag]:
    """An ABAC condition limits what a role may do; removing or rewriting it lifts that limit."""
    if c.type != ROLE_ASSIGNMENT or c.before is None or c.after is None or c.action == "delete":
        return
    old = c.before.get("condition")
    if not isinstance(old, str) or not old.strip():
        return  # adding a condition only narrows the grant
    new = c.after.get("condition")
    unknown = mask_at(c.after_unknown, ("condition",))
    role = role_name(c.after, ctx) or "its role"
    limits = attr.condition_limits(old)
    if not unknown and not (isinstance(new, str) and new.strip()):
        yield _flag(
            c,
            Severity.HIGH,
            "condition-removed",
            f"Its ABAC condition is removed, which limited {limits}, so {role} now applies "
            "without that limit.",
        )
    elif unknown or " ".join(str(new).split()) != " ".join(old.split()):
        yield _flag(
            c,
            Severity.HIGH,
            "condition-changed",
            f"Its ABAC condition changes; the old one limited {limits}, so check that the new one "
            f"does not let {role} do more.",
        )


_PRINCIPAL_TYPES = {
    "group": "every member of the group",
    "foreigngroup": "every member of the group",
    "user": "a person rather than a workload identity",
}


def principal_type_rules(c: Change, ctx: Context) -> Iterator[Flag]:
    if c.type != ROLE_ASSIGNMENT or c.before is None or c.after is None or c.action == "delete":
        return
    if mask_at(c.after_unknown, ("principal_type",)):
        return
    old, new = c.before.get("principal_type"), c.after.get("principal_type")
    if not (isinstance(old, str) and isinstance(new, str)) or old.lower() == new.lower():
        return
    if new.lower() == "serviceprincipal":
        return  # back to a workload identity
    who = _PRINCIPAL_TYPES.get(new.lower(), f"a {new} principal")
    yield _flag(
        c,
        Severity.MEDIUM,
        "principal-type-changed",
        f"Its principal type changes from {old} to {new}, so {who} now holds "
        f"{role_name(c.after, ctx) or 'its role'}.",
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


def _uses(items: list[dict[str, Any]], *keys: str) -> bool:
    return any(any(item.get(k) for k in keys) for item in items)


def _server(block: dict[str, Any]) -> str:
    return str(block.get("server") or "").strip().lower()


def credential_rules(c: Change, ctx: Context) -> Iterator[Flag]:
    """An image pull by password (ACR always accepts an identity instead), or a Key Vault
    secret reference replaced by a stored value. A new literal secret alone is not flagged:
    some third-party APIs offer nothing but a key."""
    if c.after is None or c.action == "delete":
        return
    before = c.before or {}
    pulls = {
        "azurerm_container_app": ("registry", ("identity",), ("username", "password_secret_name")),
        "azurerm_container_group": (
            "image_registry_credential",
            ("user_assigned_identity_id",),
            ("username", "password"),
        ),
    }
    if c.type in pulls:
        attr_name, identity_keys, password_keys = pulls[c.type]
        old, new = blocks(before.get(attr_name)), blocks(c.after.get(attr_name))
        with_password = [
            r for r in new if _uses([r], *password_keys) and not _uses([r], *identity_keys)
        ]
        had_password = {
            _server(r) for r in old if _uses([r], *password_keys) and not _uses([r], *identity_keys)
        }
        if c.before is not None and _uses(old, *identity_keys) and with_password:
            yield _flag(
                c,
                Severity.HIGH,
                "pull-password",
                "Its image pull switches from a managed identity to a username and password, a "
                "long-lived secret that must be stored and rotated.",
            )
        elif any(_server(r) not in had_password for r in with_password):
            yield _flag(
                c,
                Severity.HIGH,
                "pull-password",
                "It pulls images with a username and password instead of a managed identity, a "
                "long-lived secret that must be stored and rotated.",
            )
    if c.type == "azurerm_container_app":
        old_secrets = blocks(before.get("secret"))
        from_vault = {s.get("name") for s in old_secrets if s.get("key_vault_secret_id")}
        literal = {
            s.get("name")
            for i, s in enumerate(blocks(c.after.get("secret")))
            if not s.get("key_vault_secret_id")
            and (s.get("value") or mask_at(c.after_unknown, ("secret", i, "value")))
        }
        if from_vault & literal:
            yield _flag(
                c,
                Severity.HIGH,
                "secret-literal",
                "A secret that was read from Key Vault through an identity now holds a literal "
                "value, which lands in the Terraform state and is no longer rotated in the vault.",
            )


def federated_credential_rules(c: Change, ctx: Context) -> Iterator[Flag]:
    """Who can obtain a token as the identity: the issuer, subject and audience it trusts."""
    if c.type != FEDERATED_CREDENTIAL or c.after is None or c.action == "delete":
        return
    unknown = c.after_unknown
    new = None if mask_at(unknown, ("subject",)) else attr.subject(c.after.get("subject"))
    if c.before is None:
        who = new.who if new else "the workload its subject names"
        yield _flag(
            c,
            Severity.MEDIUM,
            "federated-credential-added",
            f"It lets {who} sign in as its user-assigned identity, with every grant that "
            "identity holds.",
        )
        return
    broader, changed, narrowed = [], False, False
    if mask_at(unknown, ("issuer",)) or attr.issuer(c.before) != attr.issuer(c.after):
        broader.append(
            "its issuer changes, so tokens from another identity provider now sign in as its "
            "identity"
        )
    old_id, new_id = attr.credential_identity(c.before), attr.credential_identity(c.after)
    if old_id and new_id and old_id != new_id:
        broader.append("it now signs its subject in as another identity, with that one's grants")
    if new is None:
        changed = True
    elif c.before.get("subject") != c.after.get("subject"):
        old = attr.subject(c.before.get("subject"))
        if new.kind == "pattern":
            broader.append(
                "its subject becomes a pattern, so every subject it matches signs in as its "
                "identity"
            )
        elif old and old.repo and new.repo and old.repo != new.repo:
            same_owner = old.repo.split("/")[0] == new.repo.split("/")[0]
            whose = "another repository's" if same_owner else "another organization's"
            broader.append(f"its subject moves to {whose} workflows, which now sign in as it")
        elif old and old.rank and new.rank and new.rank > old.rank:
            broader.append(f"its subject widens so that {new.who} can now sign in as its identity")
        elif old and old.rank and new.rank and new.rank < old.rank:
            narrowed = True
        else:
            changed = True
    if mask_at(unknown, ("audience",)) or attr.audiences(c.after) - attr.audiences(c.before):
        changed = True
    elif attr.audiences(c.before) - attr.audiences(c.after):
        narrowed = True
    if broader:
        text = "; ".join(broader)
        yield _flag(
            c,
            Severity.HIGH,
            "federated-credential-broader",
            f"{text[0].upper()}{text[1:]}.",
        )
    elif changed:
        who = new.who if new else "the workload its subject names"
        yield _flag(
            c,
            Severity.MEDIUM,
            "federated-credential-changed",
            f"Its subject or audience changes, so a different workload ({who}) can now sign in "
            "as its user-assigned identity.",
        )
    elif narrowed:
        yield _flag(
            c,
            Severity.LOW,
            "federated-credential-narrowed",
            "Its subject or audience narrows, so fewer workloads can sign in as its identity.",
        )


def _attached(c: Change, side: str, ctx: Context) -> set[str] | None:
    """User-assigned identities in a resource's identity block: addresses where known, else the
    lower-cased ID; None when the after-side list is unknown and no reference says what it is."""
    attrs = c.before if side == "before" else c.after
    found: set[str] = set()
    for i, block in enumerate(blocks((attrs or {}).get("identity"))):
        unknown = side == "after" and (
            mask_at(c.after_unknown, ("identity",))
            or mask_at(c.after_unknown, ("identity", i, "identity_ids"))
        )
        if unknown:
            refs = c.refs_after.get("identity") or set()
            known = {r for r in refs if r.removeprefix("data.").startswith(USER_IDENTITY)}
            if not known:
                return None
            found |= known
            continue
        for value in block.get("identity_ids") or []:
            if isinstance(value, str) and "${" in value:
                found |= refs_in(value)
            elif isinstance(value, str) and value.strip():
                found.add(ctx.ids.get(value.strip().lower(), value.strip().lower()))
    if side == "after" and not found and mask_at(c.after_unknown, ("identity",)):
        return None
    return found


def identity_attach_rules(c: Change, ctx: Context) -> Iterator[Flag]:
    """An existing user-assigned identity brings its grants to the code of a new workload."""
    if c.after is None or c.action == "delete" or c.mode != "managed":
        return
    after = _attached(c, "after", ctx)
    if not after:
        return
    before = (_attached(c, "before", ctx) or set()) if c.before is not None else set()
    added = sorted(i for i in after - before if i not in ctx.new_objects)
    if not added:
        return
    named = [a for a in added if a.removeprefix("data.").startswith(USER_IDENTITY)]
    what = ", ".join(named[:3]) if named else "an existing user-assigned identity"
    if len(added) > len(named[:3]) and named:
        what += f" and {len(added) - len(named[:3])} more"
    yield _flag(
        c,
        Severity.MEDIUM,
        "identity-attached",
        f"It attaches {what}, which it did not have before, so every grant that identity holds "
        "now reaches this workload's code.",
    )


def credential_path_rules(c: Change, ctx: Context) -> Iterator[Flag]:
    """A setting that lets a key or password work again instead of an identity."""
    if c.after is None or c.action == "delete":
        return
    for switch in attr.CREDENTIAL_SWITCHES:
        if c.type not in switch.types:
            continue
        after = attr.switch_state(switch, c.after, c.after_unknown)
        before = attr.switch_state(switch, c.before)
        if before in (True, attr.UNKNOWN) or after is False:
            continue
        if after is True:
            opened = attr.opened_by(switch, c.after)
            text = (
                f"It is created with {opened}, which turns {switch.what} on"
                if c.before is None
                else f"It changes to {opened}, turning {switch.what} back on"
            )
            yield _flag(c, Severity.HIGH, switch.rule, f"{text}, {switch.why}.")
        else:
            yield _flag(
                c,
                Severity.MEDIUM,
                switch.rule,
                f"Its {switch.setting} is known only after apply and may turn {switch.what} on, "
                f"{switch.why}.",
            )


DATABASE_SERVERS = {
    "azurerm_mssql_server",
    "azurerm_mssql_managed_instance",
    "azurerm_postgresql_flexible_server",
    "azurerm_mysql_flexible_server",
}


def admin_password_rules(c: Change, ctx: Context) -> Iterator[Flag]:
    if c.type not in DATABASE_SERVERS or c.after is None or c.action == "delete":
        return
    if attr.admin_password(c.after, c.after_unknown) and not attr.admin_password(c.before):
        yield _flag(
            c,
            Severity.HIGH,
            "admin-password",
            "An administrator password appears on it, a login that works without Entra ID and a "
            "long-lived secret that must be stored and rotated.",
        )


def app_setting_credential_rules(c: Change, ctx: Context) -> Iterator[Flag]:
    if c.after is None or c.action == "delete":
        return
    before = attr.credential_settings(c.before) if c.before is not None else set()
    added = sorted(attr.credential_settings(c.after, c.after_unknown, c.secret_refs) - before)
    if added:
        shown = ", ".join(added[:3]) + (f" and {len(added) - 3} more" if len(added) > 3 else "")
        yield _flag(
            c,
            Severity.HIGH,
            "app-setting-credential",
            f"{shown} now {'carries' if len(added) == 1 else 'carry'} an access key, password or "
            "key-bearing connection string, so the app authenticates with a secret instead of "
            "its managed identity.",
        )


def _policy_key(policy: dict[str, Any]) -> tuple[str, ...]:
    return tuple(
        str(policy.get(k) or "").strip().lower()
        for k in ("tenant_id", "object_id", "application_id")
    )


def _permissions(policy: dict[str, Any]) -> set[str]:
    return {
        f"{k}:{str(v).lower()}"
        for k, values in policy.items()
        if k.endswith("_permissions") and isinstance(values, list)
        for v in values
    }


def access_policy_rules(c: Change, ctx: Context) -> Iterator[Flag]:
    """Key Vault access policies grant data access beside Azure RBAC, invisible to its review."""
    if c.after is None or c.action == "delete":
        return
    grows = False
    if c.type == ACCESS_POLICY:
        grows = (
            c.before is None
            or _policy_key(c.before) != _policy_key(c.after)
            or bool(_permissions(c.after) - _permissions(c.before))
        )
    elif c.type == KEY_VAULT:
        if attr.switch_state(attr.KEY_VAULT_RBAC, c.after, c.after_unknown) is False:
            return  # a vault in RBAC mode ignores its access policies
        policies = blocks((c.before or {}).get("access_policy"))
        old = {_policy_key(p): _permissions(p) for p in policies}
        grows = any(
            _policy_key(p) not in old or _permissions(p) - old[_policy_key(p)]
            for p in blocks(c.after.get("access_policy"))
        )
    if grows:
        yield _flag(
            c,
            Severity.HIGH,
            "key-vault-access-policy",
            "It adds or widens a Key Vault access policy, which grants secret, key or certificate "
            "permissions outside Azure RBAC, where no role-assignment review sees them.",
        )


PRIVATE_ENDPOINT = "azurerm_private_endpoint"


def exposure_rules(c: Change, ctx: Context) -> Iterator[Flag]:
    """Public network access turned back on for a data-bearing resource: medium, high
    in a stack that keeps private endpoints (a `private` environment)."""
    switch = attr.PUBLIC_ACCESS
    if c.type not in switch.types or c.before is None or c.after is None or c.action == "delete":
        return
    before = attr.switch_state(switch, c.before)
    after = attr.switch_state(switch, c.after, c.after_unknown)
    if before is not False or after is False:
        return
    if after is True:
        text = f"It changes to {attr.opened_by(switch, c.after)}, turning {switch.what} back on"
    else:
        text = f"Its {switch.setting} is known only after apply and may turn {switch.what} on"
    if c.stack in ctx.private_stacks:
        yield _flag(
            c,
            Severity.HIGH,
            switch.rule,
            f"{text}, {switch.why}, in an environment whose data services are private (it has "
            "private endpoints): the service becomes reachable from the internet again.",
        )
        return
    yield _flag(c, Severity.MEDIUM, switch.rule, f"{text}, {switch.why}.")


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
    condition_rules,
    principal_type_rules,
    federated_credential_rules,
    identity_attach_rules,
    credential_path_rules,
    admin_password_rules,
    app_setting_credential_rules,
    access_policy_rules,
    exposure_rules,
    system_identity_rules,
    user_identity_rules,
    prevent_destroy_rules,
    registry_rules,
    credential_rules,
    stateful_rules,
    moved_rules,
    *POLICY_RULES,  # issue 23: Azure Policy assignments, exemptions, definitions
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


def _index(changes: list[Change], ctx: Context) -> None:
    """What rules need to know across changes: new objects, and grants gone and made."""
    ctx.new_objects, ctx.grants_removed, ctx.grants_added = set(), {}, {}
    ctx.private_stacks = set()
    for c in changes:
        if c.mode != "managed":
            continue
        if c.type == PRIVATE_ENDPOINT and c.after is not None and c.action != "delete":
            ctx.private_stacks.add(c.stack)
        if c.action in ("create", "replace"):
            ctx.new_objects.add(c.address)
        if c.type != ROLE_ASSIGNMENT:
            continue
        if c.destroys and c.before is not None and (key := grant_key(c, "before")):
            ctx.grants_removed.setdefault(key, []).append(c)
        if c.action in ("create", "replace") and c.after is not None:
            if key := grant_key(c, "after"):
                ctx.grants_added.setdefault(key, []).append(c)


def evaluate(changes: list[Change], ctx: Context) -> list[Flag]:
    """Flags for every managed change, highest severity first."""
    _index(changes, ctx)
    flags: list[Flag] = []
    for change in changes:
        if change.mode != "managed" or (change.action in ("no-op", "read") and not change.moved):
            continue
        found = [flag for rule in RULES for flag in rule(change, ctx)]
        flags.extend(found or [_low(change, ctx)])
    return sort_flags(flags)


def sort_flags(flags: list[Flag]) -> list[Flag]:
    return sorted(flags, key=lambda f: (-f.severity, f.stack, f.address, f.rule))
