"""One error type for bad input, so every refusal reads the same way:
construct path, rule ID, what is wrong, and how to fix it."""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for annotations only: this module starts no jsii kernel
    from ._cdktf import IConstruct


class KitValidationError(ValueError):
    """Raised while the construct tree is built, before anything is written."""

    def __init__(self, path: str | ChildPath, rule_id: str, problem: str, fix: str) -> None:
        self.path = str(path)
        self.rule_id = rule_id
        self.problem = problem
        self.fix = fix
        super().__init__(f"{self.path}: [{rule_id}] {problem} Fix: {fix}")


class ChildPath:
    """The path a construct *will* have, for errors raised before it exists.
    Computed only when asked for (an error, the guard), once: `scope.node.path`
    is two jsii round trips, and every construct checks its input (docs/performance.md)."""

    __slots__ = ("_scope", "_construct_id", "_text")

    def __init__(self, scope: IConstruct, construct_id: str) -> None:
        self._scope = scope
        self._construct_id = construct_id
        self._text: str | None = None

    def __str__(self) -> str:
        if self._text is None:
            parent = construct_path(self._scope)
            self._text = f"{parent}/{self._construct_id}" if parent else self._construct_id
        return self._text


def child_path(scope: IConstruct, construct_id: str) -> ChildPath:
    """Path a construct *will* have (see ChildPath: resolved only when asked for)."""
    return ChildPath(scope, construct_id)


def remember_path(construct: IConstruct, path: ChildPath) -> None:
    """Record, once `construct` exists, that `path` (its `child_path`) is its
    `node.path`, so `construct_path` answers in Python. A construct path never
    changes: the scope and ID are fixed at construction. An ID with "/" is not
    recorded (the constructs library escapes it as "--")."""
    if "/" not in path._construct_id:
        _PATHS[construct] = path


def construct_path(construct: IConstruct) -> str:
    """`construct.node.path`: from Python for a construct whose path was
    recorded (remember_path) under a scope whose path is known, else read once
    (two jsii round trips) and kept."""
    known = _PATHS.get(construct)
    if known is None:
        known = _PATHS[construct] = construct.node.path
    return str(known)


def recorded_scope(construct: IConstruct) -> IConstruct | None:
    """The scope `construct` was built in, if remember_path recorded it."""
    known = _PATHS.get(construct)
    return known._scope if isinstance(known, ChildPath) else None


# Construct (its Python object) -> its path, or the ChildPath it was built with.
_PATHS: weakref.WeakKeyDictionary[IConstruct, str | ChildPath] = weakref.WeakKeyDictionary()
