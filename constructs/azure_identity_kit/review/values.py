"""Attribute trees as flat paths, and printing them without leaking secrets.

Terraform plan JSON carries sensitive values in clear text next to a mask
(`before_sensitive`/`after_sensitive`) that says which ones they are; a
synthesized cdk.tf.json has no mask at all. So a value is printed as
`(sensitive)` when a mask marks it, its name looks like a secret, OR the value itself
looks like a credential (a connection string with an account key or password, a SAS URL).
"""

import json
import re
from dataclasses import dataclass
from typing import Any

from .model import Change

Path = tuple[str | int, ...]  # attribute or map key, list index


class _Marker:
    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


UNKNOWN = _Marker("(known after apply)")
SENSITIVE = _Marker("(sensitive)")

# Names that hold secrets: the WHOLE name, or its last `_` word, is password, secret,
# token, key(s), connection string or SAS. Anchored at the end on purpose, so IDs and
# names *of* secrets stay visible: key_vault_id, key_vault_secret_id, password_secret_name,
# secret_name, shared_access_key_enabled are not secrets; admin_password, client_secret,
# primary_access_key, sas_token, primary_connection_string, app_settings.DB_PASSWORD are.
_SECRET_NAME = re.compile(
    r"(?:^|_)(?:password|passwd|pwd|secret|token|keys?|connection_strings?|sas)"
    r"(?:_value|_base64)?$|(?:^|_)sas_",
    re.IGNORECASE,
)
# Values that carry a credential whatever their name: a connection string with an account key,
# shared access key, SAS signature or password (a Key Vault reference carries none).
_CREDENTIAL_TEXT = re.compile(
    r"(?:^|[;\"])\s*(?:AccountKey|SharedAccessKey|SharedAccessSignature|Password|Pwd)\s*=|[?&]sig=",
    re.IGNORECASE,
)
# Leaves whose meaning comes from their container: secret[0].value, connection_string[0].value,
# or env[0].value when env[0].name is DB_PASSWORD.
_VALUE_LEAVES = {"value", "content", "data"}


def name_is_secret(name: object) -> bool:
    return isinstance(name, str) and bool(_SECRET_NAME.search(name.replace("-", "_")))


def value_is_secret(value: object) -> bool:
    """A string, or any string inside a block or list, that carries a credential."""
    if isinstance(value, (dict, list)):
        value = json.dumps(value)
    return isinstance(value, str) and bool(_CREDENTIAL_TEXT.search(value))


def path_str(path: Path) -> str:
    return ".".join(str(p) for p in path)


def get_path(root: Any, path: Path) -> Any:
    node = root
    for seg in path:
        if isinstance(node, dict) and seg in node:
            node = node[seg]
        elif isinstance(node, list) and isinstance(seg, int) and 0 <= seg < len(node):
            node = node[seg]
        else:
            return None
    return node


def mask_at(mask: Any, path: Path) -> bool:
    """True when a plan mask (true leaves, or `true` for a whole subtree) covers `path`."""
    node = mask
    for seg in path:
        if node is True:
            return True
        node = get_path(node, (seg,)) if isinstance(node, (dict, list)) else None
    return node is True


def mask_any(mask: Any, path: Path) -> bool:
    """True when a plan mask covers `path` or anything below it."""
    node = mask
    for seg in path:
        if node is True:
            return True
        node = get_path(node, (seg,)) if isinstance(node, (dict, list)) else None
    return bool(true_paths(node))


def true_paths(mask: Any, prefix: Path = ()) -> list[Path]:
    if mask is True:
        return [prefix]
    if isinstance(mask, dict):
        return [p for k, v in mask.items() for p in true_paths(v, prefix + (k,))]
    if isinstance(mask, list):
        return [p for i, v in enumerate(mask) for p in true_paths(v, prefix + (i,))]
    return []


def flatten(value: Any, prefix: Path = ()) -> dict[Path, Any]:
    """Leaves by path; cdktf's `//` metadata is skipped, empty containers are leaves."""
    if isinstance(value, dict):
        items = [(k, v) for k, v in value.items() if k != "//"]
    elif isinstance(value, list):
        items = list(enumerate(value))
    else:
        return {prefix: value}
    if not items:
        return {prefix: value} if prefix else {}
    out: dict[Path, Any] = {}
    for k, v in items:
        out.update(flatten(v, prefix + (k,)))
    return out


def leaves(value: Any, unknown: Any = None) -> dict[Path, Any]:
    """Like flatten, with paths that `after_unknown` marks set to UNKNOWN."""
    flat = flatten(value) if value is not None else {}
    for path in true_paths(unknown):
        for other in [p for p in flat if p[: len(path)] == path]:
            del flat[other]
        flat[path] = UNKNOWN
    return flat


def path_is_secret(path: Path, root: Any) -> bool:
    names = [p for p in path if isinstance(p, str)]
    if not names:
        return False
    leaf = names[-1]
    if name_is_secret(leaf):
        return True
    if leaf in _VALUE_LEAVES:
        if any(name_is_secret(n) for n in names[:-1]):
            return True
        last = max(i for i, p in enumerate(path) if isinstance(p, str))
        parent = get_path(root, path[:last])
        if isinstance(parent, dict) and name_is_secret(parent.get("name")):
            return True
    return False


def display(value: Any) -> str:
    if isinstance(value, _Marker):
        return value.text
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 200 else text[:197] + "..."


def jsonable(value: Any) -> Any:
    return value.text if isinstance(value, _Marker) else value


def sort_key(path: Path) -> tuple[tuple[int, int, str], ...]:
    return tuple((0, p, "") if isinstance(p, int) else (1, 0, str(p)) for p in path)


def _differs(old: Any, new: Any) -> bool:
    """Null and an empty block or map mean the same: no noise for `identity: null → []`."""
    return old != new and not (old in (None, [], {}) and new in (None, [], {}))


@dataclass
class Row:
    """One attribute of a change, values already masked."""

    path: str
    before: Any
    after: Any
    forces_replacement: bool = False


# Lists whose order means nothing: compared as sets, so one insertion is one row, not a
# shifted row for every later index.
SET_LIKE = {"depends_on", "identity_ids"}


def _split_sets(flat: dict[Path, Any]) -> tuple[dict[Path, Any], dict[Path, set[str]]]:
    plain: dict[Path, Any] = {}
    sets: dict[Path, set[str]] = {}
    for path, value in flat.items():
        if len(path) >= 2 and isinstance(path[-1], int) and path[-2] in SET_LIKE:
            sets.setdefault(path[:-1], set()).add(json.dumps(value, sort_keys=True))
        else:
            plain[path] = value
    return plain, sets


def attribute_rows(change: Change) -> list[Row]:
    """Created attributes for a create, changed ones for an update/replace, none for a delete."""
    if change.after is None or change.action == "delete":
        return []
    after = leaves(change.after, change.after_unknown)
    before = leaves(change.before) if change.before is not None else {}
    # An unknown block or list replaces the whole old value: one row, not one per old leaf.
    folded: dict[Path, list[Path]] = {}
    for path in [p for p, v in after.items() if v is UNKNOWN]:
        inner = [p for p in before if p[: len(path)] == path and p != path]
        if inner:
            folded[path] = inner
            for p in inner:
                del before[p]
            before[path] = get_path(change.before, path)
    before, before_sets = _split_sets(before)
    after, after_sets = _split_sets(after)
    changed: list[tuple[Path, Any, Any]]
    if change.before is None:
        changed = [(p, None, v) for p, v in after.items() if v not in (None, [], {})]
    else:
        changed = [
            (p, before.get(p), after.get(p))
            for p in set(before) | set(after)
            if _differs(before.get(p), after.get(p))
        ]
    for path in set(before_sets) | set(after_sets):
        gone, added = before_sets.get(path, set()), after_sets.get(path, set())
        changed += [(path, json.loads(v), None) for v in sorted(gone - added)]
        changed += [(path, None, json.loads(v)) for v in sorted(added - gone)]
    forced = [tuple(p) for p in change.replace_paths]
    rows = []
    for path, old, new in sorted(changed, key=lambda row: sort_key(row[0])):
        secret = any(
            mask_any(change.before_sensitive, p)
            or mask_any(change.after_sensitive, p)
            or path_is_secret(p, change.before)
            or path_is_secret(p, change.after)
            for p in [path, *folded.get(path, [])]
        ) or any(value_is_secret(v) for v in (old, new))
        if secret:
            old = None if old is None else SENSITIVE
            new = new if new is None or new is UNKNOWN else SENSITIVE
        hit = any(path[: len(f)] == f or f[: len(path)] == path for f in forced if f)
        rows.append(Row(path_str(path), old, new, hit))
    return rows
