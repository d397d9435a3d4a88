"""What a built-in role can do, as far as a review needs it: which of two roles can do more.

Role definition GUIDs and permissions are Microsoft's list of Azure built-in roles
(learn.microsoft.com/azure/role-based-access-control/built-in-roles); the GUIDs are the same
in every tenant. Only roles whose ordering is clear from their documented actions are ranked:
a role ranks above another of the same family when its actions include the other's.
"""

# Roles that can change resources or hand out access, by GUID. Owner, UAA and RBAC
# Administrator can also grant roles to others, which makes them a path to everything else.
PRIVILEGED_IDS = {
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
    "b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": "User Access Administrator",
    "f58310d9-a9f6-439a-9e8d-f62e7b41a168": "Role Based Access Control Administrator",
}
GRANTS_ACCESS = {"Owner", "User Access Administrator", "Role Based Access Control Administrator"}

# Privileged roles cover every non-privileged one: Contributor can list storage keys or
# rewrite a vault's access policies, and the others can grant themselves any role.
_PRIVILEGED_RANK = {
    "Contributor": 1,
    "User Access Administrator": 2,
    "Role Based Access Control Administrator": 2,
    "Owner": 3,
}

# Data and read roles: family -> rank within it (reader < contributor/writer < owner).
_CAPABILITIES: dict[str, dict[str, int]] = {
    "Reader": {"arm": 1},
    "AcrPull": {"acr": 1},
    "AcrPush": {"acr": 2},
    "Storage Blob Data Reader": {"blob": 1},
    "Storage Blob Data Contributor": {"blob": 2},
    "Storage Blob Data Owner": {"blob": 3},
    "Storage Queue Data Reader": {"queue": 1},
    "Storage Queue Data Contributor": {"queue": 2},
    "Storage Table Data Reader": {"table": 1},
    "Storage Table Data Contributor": {"table": 2},
    "Key Vault Reader": {"kv-metadata": 1},
    "Key Vault Secrets User": {"kv-secrets": 1},
    "Key Vault Secrets Officer": {"kv-secrets": 2},
    "Key Vault Crypto User": {"kv-keys": 1},
    "Key Vault Crypto Officer": {"kv-keys": 2},
    "Key Vault Certificate User": {"kv-certificates": 1},
    "Key Vault Certificates Officer": {"kv-certificates": 2},
    "Key Vault Administrator": {
        "kv-metadata": 1,
        "kv-secrets": 2,
        "kv-keys": 2,
        "kv-certificates": 2,
    },
}

ROLE_IDS = {
    **PRIVILEGED_IDS,
    "acdd72a7-3385-48ef-bd42-f606fba81ae7": "Reader",
    "7f951dda-4ed3-4680-a7ca-43fe172d538d": "AcrPull",
    "8311e382-0749-4cb8-b61a-304f252e45ec": "AcrPush",
    "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1": "Storage Blob Data Reader",
    "ba92f5b4-2d11-453d-a403-e96b0029c9fe": "Storage Blob Data Contributor",
    "b7e6dc6d-f1e8-4753-8033-0f276bb0955b": "Storage Blob Data Owner",
    "19e7f393-937e-4f77-808e-94535e297925": "Storage Queue Data Reader",
    "974c5e8b-45b9-4653-ba55-5f855dd0fb88": "Storage Queue Data Contributor",
    "76199698-9eea-4c19-bc75-cec21354c6b6": "Storage Table Data Reader",
    "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3": "Storage Table Data Contributor",
    "4633458b-17de-408a-b874-0445c86b69e6": "Key Vault Secrets User",
    "b86a8fe4-44ce-4948-aee5-eccb2c155cd7": "Key Vault Secrets Officer",
    "14b46e9e-c2b7-41b4-b07b-48a6ebf60603": "Key Vault Crypto Officer",
    "00482a5a-887f-4fb3-b363-3b7fe8e74483": "Key Vault Administrator",
}
ROLE_NAMES = {name.lower(): name for name in [*_PRIVILEGED_RANK, *_CAPABILITIES]}


def _covers(a: str, b: str) -> bool:
    """True when role a can do everything role b can (both known)."""
    if a in _PRIVILEGED_RANK or b in _PRIVILEGED_RANK:
        if a not in _PRIVILEGED_RANK:
            return False
        return b not in _PRIVILEGED_RANK or _PRIVILEGED_RANK[a] >= _PRIVILEGED_RANK[b]
    mine, theirs = _CAPABILITIES[a], _CAPABILITIES[b]
    return all(mine.get(family, 0) >= rank for family, rank in theirs.items())


def compare(old: str | None, new: str | None) -> str | None:
    """ "more" when new can do everything old could and more, "less" the other way round,
    "same" for the same role, None when the roles are unrelated or not ranked here."""
    known = {*_PRIVILEGED_RANK, *_CAPABILITIES}
    if old not in known or new not in known:
        return None
    if old == new:
        return "same"
    up, down = _covers(new, old), _covers(old, new)
    if up and not down:
        return "more"
    if down and not up:
        return "less"
    return None
