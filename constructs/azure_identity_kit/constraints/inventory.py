"""The inventory: every constrained prop of the kit, read from the props classes
themselves (their `checked` fields and `cross_field` rules) and the declared
method arguments, for the docs/constraints.md table and the tests (tests/constraints)."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
from dataclasses import dataclass

from ..doc_table import cell, replace_between
from . import ARGUMENTS, Constraint, constraints_of

KIT_MODULES = (
    "identity",
    "container_app",
    "container_instance",
    "vm",
    "app_service",
    "web_app",
    "function_app",
    "cosmos",
    "sql",
    "key_vault",
    "storage",
    "registry",
    "private_link",
    "waits",
    "constraints.common",
)
"""The modules whose props classes and arguments the inventory reads."""


@dataclass(frozen=True)
class Entry:
    owner: str
    """The props class, or `Construct.method` for an argument."""
    prop: str
    """The field or argument; for a cross-field rule, the fields it ties, joined by ' + '."""
    constraint: Constraint
    argument: bool = False
    """A method or function argument (ARGUMENTS), not a props field."""

    @property
    def where(self) -> str:
        return f"{self.owner}({self.prop})" if self.argument else f"{self.owner}.{self.prop}"


def props_classes() -> list[type]:
    """Every dataclass the kit modules define (not the constraints themselves), in
    module order."""
    found: list[type] = []
    for name in KIT_MODULES:
        module = importlib.import_module(f"azure_identity_kit.{name}")
        for _, value in inspect.getmembers(module, dataclasses.is_dataclass):
            if (
                isinstance(value, type)
                and value.__module__ == module.__name__
                and not issubclass(value, Constraint)
            ):
                found.append(value)
    return found


def inventory() -> list[Entry]:
    entries: list[Entry] = []
    for cls in props_classes():
        for field_name, constraint in constraints_of(cls):
            prop = field_name or " + ".join(getattr(constraint, "fields", ()))
            entries.append(Entry(cls.__name__, prop, constraint))
    for declared in ARGUMENTS:
        for constraint in declared.constraints:
            entries.append(Entry(declared.owner, declared.name, constraint, argument=True))
    return entries


def markdown_table() -> str:
    """One row per constrained prop: what it must be, the kind, the rule, the source."""
    lines = [
        "| Prop | Must be | Kind | Rule ID | Source |",
        "| --- | --- | --- | --- | --- |",
    ]
    for entry in inventory():
        constraint = entry.constraint
        lines.append(
            f"| `{entry.where}` | {cell(constraint.describe())} | {constraint.kind} "
            f"| `{constraint.rule_id}` | {cell(constraint.source.markdown())} |"
        )
    return "\n".join(lines) + "\n"


TABLE_BEGIN = (
    "<!-- constraints:begin "
    "(python -m azure_identity_kit.constraints --update docs/constraints.md) -->"
)
TABLE_END = "<!-- constraints:end -->"


def update_readme(path: str) -> bool:
    """Replace the table between the markers in `path`; False if it has no markers."""
    return replace_between(path, TABLE_BEGIN, TABLE_END, markdown_table())
