"""The data the review passes around: changes, flags, severities."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from os import PathLike
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..access_map.changes import StackAccess


class Severity(IntEnum):
    """Ordered so that `max()` and `>=` compare risk directly."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3

    @property
    def label(self) -> str:
        return self.name.lower()


class InputError(Exception):
    """Bad input (missing file, malformed JSON, unsupported format): exit code 2."""


@dataclass
class Change:
    """One resource's change, the same shape whether it came from a plan or a diff.

    `before`/`after` are attribute dicts (None when the resource does not exist on
    that side). The masks mirror Terraform's plan JSON: `true` marks a sensitive or
    unknown value or a whole sensitive/unknown subtree.
    """

    address: str
    type: str
    action: str  # create | update | delete | replace | no-op | read
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    stack: str = ""
    mode: str = "managed"  # managed | data
    after_unknown: Any = None
    before_sensitive: Any = None
    after_sensitive: Any = None
    replace_paths: list[tuple[str | int, ...]] = field(default_factory=list)
    reason: str = ""
    previous_address: str = ""
    moved_block: bool = False
    prevent_destroy: bool = False
    # Top-level attribute -> resource addresses it references (after side, then before side).
    refs_after: dict[str, set[str]] = field(default_factory=dict)
    refs_before: dict[str, set[str]] = field(default_factory=dict)
    # Top-level attributes the plan's configuration fills from another resource's key, password
    # or connection string (a synth diff sees the `${...}` token in the value itself).
    secret_refs: set[str] = field(default_factory=set)

    @property
    def moved(self) -> bool:
        return bool(self.previous_address)

    @property
    def destroys(self) -> bool:
        """True when the object behind the old address is destroyed."""
        return self.action in ("delete", "replace")


@dataclass(frozen=True)
class Flag:
    severity: Severity
    address: str
    rule: str
    message: str
    stack: str = ""


@dataclass
class Review:
    """Everything a renderer needs."""

    title: str
    changes: list[Change]
    flags: list[Flag]
    stacks_added: list[str] = field(default_factory=list)
    stacks_removed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Grants added, removed and widened per stack (the access map's view of the change).
    access: list[StackAccess] = field(default_factory=list)

    @property
    def shown_changes(self) -> list[Change]:
        """Changes worth printing: anything that changes or moves (plan-time data reads are not)."""
        return [c for c in self.changes if c.action not in ("no-op", "read") or c.moved]

    def worst(self) -> Severity | None:
        return max((f.severity for f in self.flags), default=None)


def load_json(path: str | PathLike[str], what: str) -> Any:
    """Read a JSON file or raise InputError with one line saying what is wrong."""
    import json

    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        raise InputError(f"{path}: file not found (expected {what})") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory (expected {what})") from None
    except OSError as error:
        raise InputError(f"{path}: cannot read ({error.strerror})") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text (expected {what})") from None
    if not text.strip():
        raise InputError(f"{path}: empty file (expected {what})")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(
            f"{path}: not valid JSON, truncated or malformed "
            f"({error.msg} at line {error.lineno}, column {error.colno})"
        ) from None
