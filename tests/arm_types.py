"""Validate azapi request bodies against the ARM type definitions azapi itself uses.

The definitions are Azure/bicep-types-az `types.json` files (see
tests/fixtures/arm-types/README.md): a JSON array of types in which `{"$ref": "#/N"}`
points at element N. A `ResourceType` named `Microsoft.App/containerApps@2025-01-01`
references its body `ObjectType`; each property has a `type` reference and `flags`
(1 = required, 2 = read-only). Pure Python, no cdktf: the checks are plain JSON.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "arm-types"
SOURCE = "commit 1f896de2, e.g. generated/web/microsoft.web/2025-03-01/types.json"
REQUIRED = 1
READ_ONLY = 2
# Top-level properties azapi_resource fills in from its own arguments, not from `body`.
AZAPI_SUPPLIED = frozenset({"name", "location", "tags", "identity"})
_SCALARS = frozenset({"StringType", "StringLiteralType", "IntegerType", "BooleanType"})


def is_expression(value: Any) -> bool:
    """A Terraform interpolation (cdktf token): its value is only known at apply time."""
    return isinstance(value, str) and "${" in value


def fixture_path(resource_type: str, root: Path = FIXTURES) -> Path:
    """`Microsoft.App/containerApps@2025-01-01` -> <root>/microsoft.app/2025-01-01/types.json."""
    name, _, version = resource_type.partition("@")
    namespace = name.split("/", 1)[0]
    if not version or "/" not in name:
        raise ValueError(f"{resource_type!r} is not '<Namespace>/<type>@<api-version>'")
    return root / namespace.lower() / version / "types.json"


def fixture_versions(resource_name: str, root: Path = FIXTURES) -> list[str]:
    """API versions, oldest first, whose fixture defines `resource_name` (no `@version`)."""
    folder = root / resource_name.split("/", 1)[0].lower()
    return sorted(
        path.parent.name
        for path in folder.glob("*/types.json")
        if ArmTypes.load(path).has(f"{resource_name}@{path.parent.name}")
    )


class MissingDefinition(LookupError):
    """No fixture (or no type in it) for an azapi `type`: the body cannot be checked."""


class ArmTypes:
    """One types.json: look up resource bodies and validate request bodies against them."""

    def __init__(self, types: list[dict[str, Any]], origin: str = "<inline>") -> None:
        self.types = types
        self.origin = origin
        self.resources = {t["name"]: t for t in types if t["$type"] == "ResourceType"}

    @staticmethod
    @cache
    def load(path: Path) -> ArmTypes:
        return ArmTypes(json.loads(path.read_text()), origin=str(path))

    @staticmethod
    def for_type(resource_type: str, root: Path = FIXTURES) -> ArmTypes:
        """The fixture that defines `resource_type`, or MissingDefinition saying what to add."""
        path = fixture_path(resource_type, root)
        if not path.is_file():
            raise MissingDefinition(
                f"{resource_type}: no ARM type definitions at {_display(path)}. "
                f"Copy generated/<group>/{path.parent.parent.name}/{path.parent.name}/types.json "
                f"unchanged from Azure/bicep-types-az ({SOURCE}) and add a row to "
                "tests/fixtures/arm-types/README.md."
            )
        return ArmTypes.load(path)

    def has(self, resource_type: str) -> bool:
        return resource_type in self.resources

    def deref(self, ref: Mapping[str, str]) -> dict[str, Any]:
        return self.types[int(ref["$ref"].removeprefix("#/"))]

    def body_type(self, resource_type: str) -> dict[str, Any]:
        if resource_type not in self.resources:
            raise MissingDefinition(f"{resource_type}: not defined in {self.origin}")
        return self.deref(self.resources[resource_type]["body"])

    def function_input(self, resource_type: str, action: str) -> dict[str, Any]:
        """The input type of a resource action (e.g. POST .../listKeys)."""
        name, _, version = resource_type.partition("@")
        for t in self.types:
            if (
                t["$type"] == "ResourceFunctionType"
                and t["name"] == action
                and t["resourceType"].lower() == name.lower()
                and t["apiVersion"] == version
            ):
                if "input" not in t:
                    raise MissingDefinition(f"{resource_type} action {action!r} takes no body")
                return self.deref(t["input"])
        raise MissingDefinition(f"{resource_type}: no action {action!r} in {self.origin}")

    # Validation -----------------------------------------------------------------------
    def validate(
        self,
        resource_type: str,
        body: Any,
        *,
        partial: bool,
        supplied: Iterable[str] = (),
        action: str | None = None,
    ) -> list[str]:
        """Problems of `body` sent as `resource_type`, one readable line each (empty: valid).

        `partial=True` is a PATCH (or azapi_update_resource, which merges into the live
        resource): it sends only what it changes, so required properties are not checked.
        Everything else is: unknown and read-only properties, enum values, primitive
        types, array items, map values, discriminated objects. `supplied` names top-level
        required properties the caller sets outside the body (azapi's `name`, `location`).
        A Terraform expression ("${...}") is accepted wherever a scalar is expected.
        """
        root = (
            self.function_input(resource_type, action) if action else self.body_type(resource_type)
        )
        problems: list[str] = []
        self._check(root, body, "", problems, partial=partial, supplied=frozenset(supplied))
        return [f"{resource_type}: {problem}" for problem in problems]

    def _check(self, t, value, path, problems, *, partial, supplied=frozenset()) -> None:
        kind = t["$type"]
        where = path or "(body)"
        if kind == "AnyType":
            return
        if is_expression(value):
            if kind in _SCALARS or (kind == "UnionType" and self._all_scalar(t)):
                return
            problems.append(
                f"{where}: a Terraform expression where ARM expects {self._describe(t)}; "
                "it cannot be checked here, write the value out in the body"
            )
            return
        if kind == "StringType":
            self._check_string(t, value, where, problems)
        elif kind == "IntegerType":
            if not isinstance(value, int) or isinstance(value, bool):
                problems.append(f"{where}: expected an integer, got {_show(value)}")
            elif "minValue" in t and value < t["minValue"]:
                problems.append(f"{where}: {value} is below the minimum {t['minValue']}")
            elif "maxValue" in t and value > t["maxValue"]:
                problems.append(f"{where}: {value} is above the maximum {t['maxValue']}")
        elif kind == "BooleanType":
            if not isinstance(value, bool):
                problems.append(f"{where}: expected a boolean, got {_show(value)}")
        elif kind == "StringLiteralType":
            if value != t["value"]:
                problems.append(f"{where}: expected {t['value']!r}, got {_show(value)}")
        elif kind == "UnionType":
            self._check_union(t, value, where, path, problems, partial=partial)
        elif kind == "ArrayType":
            if not isinstance(value, list):
                problems.append(f"{where}: expected an array, got {_show(value)}")
                return
            for bound, too in (("minLength", "fewer"), ("maxLength", "more")):
                limit = t.get(bound)
                if limit is not None and (
                    len(value) < limit if too == "fewer" else len(value) > limit
                ):
                    problems.append(f"{where}: {len(value)} items, {too} than the {limit} allowed")
            for index, item in enumerate(value):
                self._check(
                    self.deref(t["itemType"]), item, f"{path}[{index}]", problems, partial=partial
                )
        elif kind == "ObjectType":
            self._check_object(t, t.get("properties", {}), value, path, problems, partial, supplied)
        elif kind == "DiscriminatedObjectType":
            self._check_discriminated(t, value, path, problems, partial, supplied)
        else:
            problems.append(f"{where}: the validator does not know ARM type kind {kind!r}")

    def _check_string(self, t, value, where, problems) -> None:
        if not isinstance(value, str):
            problems.append(f"{where}: expected a string, got {_show(value)}")
            return
        if "minLength" in t and len(value) < t["minLength"]:
            problems.append(f"{where}: {value!r} is shorter than {t['minLength']} characters")
        if "maxLength" in t and len(value) > t["maxLength"]:
            problems.append(f"{where}: {value!r} is longer than {t['maxLength']} characters")
        pattern = t.get("pattern")
        if pattern:
            try:
                matches = re.search(pattern, value) is not None
            except re.error:  # a .NET-only construct: leave the pattern to ARM
                matches = True
            if not matches:
                problems.append(f"{where}: {value!r} does not match the pattern {pattern!r}")

    def _check_union(self, t, value, where, path, problems, *, partial) -> None:
        elements = [self.deref(e) for e in t["elements"]]
        attempts = []
        for element in elements:
            found: list[str] = []
            self._check(element, value, path, found, partial=partial)
            if not found:
                return
            attempts.append(found)
        literals = [e["value"] for e in elements if e["$type"] == "StringLiteralType"]
        if len(literals) == len(elements):
            allowed = ", ".join(repr(v) for v in literals)
            problems.append(f"{where}: {_show(value)} is not one of the allowed values {allowed}")
        else:
            tried = "; ".join(found[0] for found in attempts)
            problems.append(f"{where}: {_show(value)} matches no alternative ({tried})")

    def _check_object(self, t, properties, value, path, problems, partial, supplied) -> None:
        where = path or "(body)"
        if not isinstance(value, dict):
            problems.append(
                f"{where}: expected an object ({t.get('name', '?')}), got {_show(value)}"
            )
            return
        extra = t.get("additionalProperties")
        for key, item in value.items():
            child = f"{path}.{key}" if path else key
            spec = properties.get(key)
            if spec is None and extra is not None:
                self._check(self.deref(extra), item, child, problems, partial=partial)
            elif spec is None:
                problems.append(f"{child}: unknown property{self._known(t, properties, key)}")
            elif spec["flags"] & READ_ONLY:
                problems.append(f"{child}: read-only property, ARM sets it: do not send it")
            else:
                self._check(self.deref(spec["type"]), item, child, problems, partial=partial)
        if partial:
            return
        for key, spec in properties.items():
            if spec["flags"] & REQUIRED and not spec["flags"] & READ_ONLY:
                if key not in value and not (not path and key in supplied):
                    child = f"{path}.{key}" if path else key
                    problems.append(f"{child}: required property is missing")

    def _check_discriminated(self, t, value, path, problems, partial, supplied) -> None:
        where = path or "(body)"
        if not isinstance(value, dict):
            problems.append(f"{where}: expected an object ({t['name']}), got {_show(value)}")
            return
        base = t.get("baseProperties", {})
        key = t["discriminator"]
        elements = t["elements"]
        if key not in value:
            if partial:  # a PATCH may leave the variant alone: any variant's property is known
                merged = dict(base)
                for ref in elements.values():
                    merged.update(self.deref(ref).get("properties", {}))
                self._check_object(t, merged, value, path, problems, partial, supplied)
            else:
                problems.append(f"{where}: {t['name']} needs {key!r}, one of {', '.join(elements)}")
            return
        if value[key] not in elements:
            allowed = ", ".join(repr(v) for v in elements)
            problems.append(f"{where}.{key}: {_show(value[key])} is not one of {allowed}")
            return
        variant = self.deref(elements[value[key]])
        merged = {**base, **variant.get("properties", {})}
        self._check_object(variant, merged, value, path, problems, partial, supplied)

    def _all_scalar(self, union) -> bool:
        return all(self.deref(e)["$type"] in _SCALARS for e in union["elements"])

    def _describe(self, t) -> str:
        kind = t["$type"]
        if kind == "ObjectType":
            return f"an object ({t.get('name', '?')})"
        return {
            "ArrayType": "an array",
            "DiscriminatedObjectType": f"an object ({t.get('name')})",
        }.get(kind, kind)

    @staticmethod
    def _known(t, properties, key) -> str:
        near = [name for name in properties if name.lower() == key.lower()]
        if near:
            return f" (did you mean {near[0]!r}?)"
        writable = sorted(k for k, s in properties.items() if not s["flags"] & READ_ONLY)
        return f"; {t.get('name', 'this object')} accepts: {', '.join(writable)}"


def _display(path: Path) -> str:
    repo = FIXTURES.parent.parent.parent
    return str(path.relative_to(repo)) if path.is_relative_to(repo) else str(path)


def _show(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."
