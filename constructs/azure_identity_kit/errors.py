"""One error type for bad input, so every refusal reads the same way:
construct path, rule ID, what is wrong, and how to fix it."""

from __future__ import annotations

from typing import Any


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
    Computed only when an error is raised: `scope.node.path` is two jsii round
    trips, and every construct checks its input (README, "Fast synth")."""

    __slots__ = ("_scope", "_construct_id")

    def __init__(self, scope: Any, construct_id: str) -> None:
        self._scope = scope
        self._construct_id = construct_id

    def __str__(self) -> str:
        parent = self._scope.node.path
        return f"{parent}/{self._construct_id}" if parent else self._construct_id


def child_path(scope: Any, construct_id: str) -> ChildPath:
    """Path a construct *will* have (see ChildPath: resolved only for errors)."""
    return ChildPath(scope, construct_id)
