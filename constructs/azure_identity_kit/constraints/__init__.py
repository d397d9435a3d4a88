"""Declarative constraints on props: a limit is written once, next to the prop it
limits, and checked in one place (`enforce`), which raises KitValidationError
with the construct path, the rule ID and the fix.

    @cross_field(CrossField("container-app-replica-order", source, test=order, ...))
    @dataclass(frozen=True)
    class ContainerAppWithIdentityProps:
        environment_id: str = field(metadata=constrained(ResourceId(...)))  # required
        min_replicas: int = checked(Range("container-app-replicas", source, 0, 300), default=0)

Why not pydantic or attrs validators: the kit's props are plain frozen
dataclasses its users build, the check must cost no jsii round trip
(docs/performance.md) and must know what a cdktf token looks like (skipped: its
value is unknown at synth), and every limit must say where it comes from (`Source`), for
the docs table and the provider oracle (tests/constraints). The package has
no runtime dependency beyond the CDK, and this needs none.

Tokens are recognised without jsii: a string token is `${TfToken[...]}` (any
`${...}` is interpolated by Terraform, so it is unknown here too), a list token's
element `#{TfToken[...]}`, a number token a float whose top 16 bits are 0xFDFF
(cdktf's encoding.ts). Composite strings (a token with literal text around it)
are checked on their literal parts where a constraint says how (`Format.tail`).
"""

from __future__ import annotations

import dataclasses
import math
import re
import struct
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, TypeVar, overload

from ..errors import ChildPath, KitValidationError

PROVIDER_TAG = "v4.55.0"
"""The hashicorp/terraform-provider-azurerm tag every provider source names."""
SourceKind = Literal["provider", "azure"]
_KEY = "azure_identity_kit.constraints"
_T = TypeVar("_T")


@dataclass(frozen=True)
class Source:
    """Where a limit is documented: a provider validator (Terraform refuses the
    value at `terraform validate`) or an Azure page (only Azure refuses it, at
    apply or later)."""

    kind: SourceKind
    where: str
    """provider: `<file> <function>` in hashicorp/terraform-provider-azurerm at
    PROVIDER_TAG (or another provider, named); azure: the documentation URL."""

    def markdown(self) -> str:
        if self.kind == "azure":
            return f"Azure: {self.where}"
        return f"provider: `{self.where}`"


def provider(file: str, validator: str, repository: str = "terraform-provider-azurerm") -> Source:
    """A validator of the azurerm provider (or `repository`) at PROVIDER_TAG."""
    prefix = "" if repository == "terraform-provider-azurerm" else f"{repository} "
    return Source("provider", f"{prefix}{file} {validator}")


def azure(url: str) -> Source:
    return Source("azure", url)


# --- what a value is at synth ----------------------------------------------------

_TOKEN = re.compile(r"\$\{[^}]*\}")


def is_unknown(value: object) -> bool:
    """A value Terraform or cdktf fills in later: a string with `${...}` in it,
    a list token element, a number token. Pure Python (no jsii)."""
    if isinstance(value, str):
        return "${" in value or value.startswith("#{TfToken[")
    if isinstance(value, float):
        bits: int = struct.unpack("<Q", struct.pack("<d", value))[0]
        return bits >> 48 == 0xFDFF
    return False


def literal_parts(value: str) -> list[str]:
    """The literal text between the tokens of a composite string."""
    return _TOKEN.split(value)


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# --- the constraints ----------------------------------------------------------------


@dataclass(frozen=True)
class Constraint:
    """One documented limit of one value. `problem` says what is wrong with a
    literal value (None: nothing, or not known at synth)."""

    rule_id: str
    source: Source
    kind: ClassVar[str] = "type"

    def problem(self, value: Any) -> str | None:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError

    def fix(self) -> str:
        return f"Use {self.describe()}."


@dataclass(frozen=True)
class Range(Constraint):
    """A number from `low` to `high` (inclusive; above `low` with `exclusive_low`);
    `step`: a multiple of it counted from `low` (e.g. 1000 RU/s)."""

    low: float | None = None
    high: float | None = None
    integer: bool = True
    step: float | None = None
    unit: str = ""
    exclusive_low: bool = False
    kind: ClassVar[str] = "range"

    def problem(self, value: Any) -> str | None:
        if is_unknown(value):
            return None
        if not _number(value) or (self.integer and not isinstance(value, int)):
            return f"is {value!r}, not a {'whole number' if self.integer else 'number'}."
        if isinstance(value, float) and not math.isfinite(value):
            return f"is {value!r}."
        below = self.low is not None and (
            value <= self.low if self.exclusive_low else value < self.low
        )
        if below or (self.high is not None and value > self.high):
            return f"is {value!r}{self.unit}, outside {self._bounds()}."
        if self.step is not None:
            base = self.low or 0
            multiple = (value - base) / self.step
            if abs(multiple - round(multiple)) > 1e-9:
                return f"is {value!r}{self.unit}, not a step of {self.step:g}{self.unit}."
        return None

    def _bounds(self) -> str:
        unit = self.unit
        if self.exclusive_low and self.high is not None:
            return f"above {self.low:g}{unit}, up to {self.high:g}{unit}"
        if self.low is not None and self.high is not None:
            return f"{self.low:g}{unit}-{self.high:g}{unit}"
        if self.exclusive_low:
            return f"above {self.low:g}{unit}"
        if self.low is not None:
            return f"{self.low:g}{unit} or more"
        return f"{self.high:g}{unit} or less"

    def describe(self) -> str:
        what = "a whole number" if self.integer else "a number"
        step = f" in steps of {self.step:g}{self.unit}" if self.step is not None else ""
        return f"{what} {self._bounds()}{step}"


@dataclass(frozen=True)
class OneOf(Constraint):
    """One of a fixed set, exact spelling (the providers compare case-sensitively)."""

    values: tuple[Any, ...] = ()
    kind: ClassVar[str] = "allowed set"

    def problem(self, value: Any) -> str | None:
        if is_unknown(value) or value in self.values:
            return None
        return f"is {value!r}, not one of {self._listed()}."

    def _listed(self) -> str:
        return ", ".join(repr(v) if isinstance(v, str) else str(v) for v in self.values)

    def describe(self) -> str:
        return f"one of {self._listed()}"


@dataclass(frozen=True)
class Format(Constraint):
    """A string matching `pattern` (described as `description`). A composite
    string (literal text around tokens) is checked with `tail` on the text after
    its last token, when there is such a pattern; else it is left to Terraform."""

    pattern: re.Pattern[str] = re.compile(".*")
    description: str = ""
    tail: re.Pattern[str] | None = None
    kind: ClassVar[str] = "format"

    def problem(self, value: Any) -> str | None:
        if not isinstance(value, str):
            return f"is {value!r}, not a string."
        if "${" in value:
            if self.tail is None or value.endswith("}"):
                return None
            last = literal_parts(value)[-1]
            if self.tail.search(last):
                return None
            return f"ends in {last!r}, which does not fit {self.description}."
        if value.startswith("#{TfToken[") or self.pattern.search(value):
            return None
        return f"is {value!r}, not {self.description}."

    def describe(self) -> str:
        return self.description


@dataclass(frozen=True)
class Items(Constraint):
    """`inner` on every plain element of a sequence (dataclass elements are
    checked by their own constraints)."""

    inner: Constraint | None = None

    @property
    def kind(self) -> str:  # type: ignore[override]  # per instance (inner's), not per class
        return self.inner.kind if self.inner else "type"

    def problem(self, value: Any) -> str | None:
        if self.inner is None or isinstance(value, str) or not isinstance(value, Sequence):
            return None
        for index, item in enumerate(value):
            if dataclasses.is_dataclass(item):
                continue
            found = self.inner.problem(item)
            if found is not None:
                return f"[{index}] {found}"
        return None

    def describe(self) -> str:
        return f"each: {self.inner.describe()}" if self.inner else ""

    def fix(self) -> str:
        return self.inner.fix() if self.inner else ""


@dataclass(frozen=True)
class CrossField(Constraint):
    """A cross-field rule: `test(props)` returns what is wrong, or None. `fields`
    names the props it ties together (for the inventory)."""

    fields: tuple[str, ...] = ()
    description: str = ""
    test: Callable[[Any], str | None] = field(default=lambda props: None, compare=False)
    how: str = ""
    """The fix, when it is not 'Use <description>'."""
    kind: ClassVar[str] = "cross-field"

    def problem(self, value: Any) -> str | None:
        return self.test(value)

    def describe(self) -> str:
        return self.description

    def fix(self) -> str:
        return self.how or super().fix()


# --- attaching them to props ------------------------------------------------------


@overload
def checked(*constraints: Constraint, default: _T) -> _T: ...
@overload
def checked(*constraints: Constraint, default_factory: Callable[[], _T]) -> _T: ...
def checked(
    *constraints: Constraint,
    default: Any = dataclasses.MISSING,
    default_factory: Any = dataclasses.MISSING,
) -> Any:
    """A dataclass field with a default and its constraints (a `field()` with metadata).
    A required field is `field(metadata=constrained(...))`: type checkers see a `field()`
    call without a default, where they would take any other call for one."""
    return field(
        default=default, default_factory=default_factory, metadata=constrained(*constraints)
    )


def constrained(*constraints: Constraint) -> dict[str, tuple[Constraint, ...]]:
    """The field metadata that carries constraints (for `field(metadata=...)`)."""
    return {_KEY: constraints}


def cross_field(*rules: CrossField) -> Callable[[type[_T]], type[_T]]:
    """Attach cross-field rules to a props class (checked after its fields)."""

    def attach(cls: type[_T]) -> type[_T]:
        cls.__kit_rules__ = rules  # type: ignore[attr-defined]  # added here, read by plan_of
        _PLANS.pop(cls, None)
        return cls

    return attach


@dataclass(frozen=True)
class Argument:
    """A constrained parameter of a method (e.g. add_database's throughput): in
    the inventory like a prop, checked with `check_argument`."""

    owner: str
    name: str
    constraints: tuple[Constraint, ...]


ARGUMENTS: list[Argument] = []


def argument(owner: str, name: str, *constraints: Constraint) -> Argument:
    """Declare a method parameter's constraints (module level, next to the method)."""
    found = Argument(owner, name, constraints)
    ARGUMENTS.append(found)
    return found


def check_argument(
    path: str | ChildPath, declared: Argument, value: Any, label: str | None = None
) -> None:
    """The check of one method argument (None: not given); `label` names it in the
    message (default: its name)."""
    if value is None:
        return
    for constraint in declared.constraints:
        _raise_if(path, label or declared.name, constraint, value)


# --- the one check ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    checked: tuple[tuple[str, tuple[Constraint, ...]], ...]
    others: tuple[str, ...]
    rules: tuple[CrossField, ...]

    @property
    def empty(self) -> bool:
        return not self.checked and not self.rules


_PLANS: dict[type, _Plan] = {}


def plan_of(cls: type) -> _Plan:
    """What to check on an instance of `cls`, worked out once per class."""
    plan = _PLANS.get(cls)
    if plan is None:
        fields = dataclasses.fields(cls) if dataclasses.is_dataclass(cls) else ()
        plan = _PLANS[cls] = _Plan(
            checked=tuple((f.name, f.metadata[_KEY]) for f in fields if _KEY in f.metadata),
            others=tuple(f.name for f in fields if _KEY not in f.metadata),
            rules=tuple(getattr(cls, "__kit_rules__", ())),
        )
    return plan


def _raise_if(path: str | ChildPath, label: str, constraint: Constraint, value: Any) -> None:
    found = constraint.problem(value)
    if found is not None:
        raise KitValidationError(path, constraint.rule_id, f"{label} {found}", constraint.fix())


def enforce(path: str | ChildPath, props: object, prefix: str = "") -> None:
    """Check every constrained field of `props`, then the specs nested in its other
    fields (dataclasses, or sequences of them, at any depth), then
    its cross-field rules. Raises the first KitValidationError; None values (a prop
    left unset) are not checked. Pure Python: no jsii call."""
    plan = plan_of(type(props))
    for name, constraints in plan.checked:
        value = getattr(props, name)
        if value is None:
            continue
        for constraint in constraints:
            _raise_if(path, f"{prefix}{name}", constraint, value)
        _nested(path, value, f"{prefix}{name}")
    for name in plan.others:
        _nested(path, getattr(props, name), f"{prefix}{name}")
    for rule in plan.rules:
        found = rule.problem(props)
        if found is not None:
            where = f"{prefix.rstrip('.')}: " if prefix else ""
            raise KitValidationError(path, rule.rule_id, f"{where}{found}", rule.fix())


def _nested(path: str | ChildPath, value: object, label: str) -> None:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return
    if isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            if hasattr(type(item), "__dataclass_fields__"):
                enforce(path, item, f"{label}[{index}].")
    elif hasattr(type(value), "__dataclass_fields__"):
        enforce(path, value, f"{label}.")


def constraints_of(cls: type) -> Iterator[tuple[str, Constraint]]:
    """(field, constraint) for each constrained field of `cls`, then its rules
    ('' for the field: they tie several)."""
    plan = plan_of(cls)
    for name, constraints in plan.checked:
        for constraint in constraints:
            yield name, constraint
    for rule in plan.rules:
        yield "", rule
