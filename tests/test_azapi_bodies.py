"""Every azapi body the kit can emit is valid for its API version, checked against the
ARM type definitions azapi itself validates with (Azure/bicep-types-az, copied unchanged
into tests/fixtures/arm-types/, see its README)."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest
from arm_types import AZAPI_SUPPLIED, FIXTURES, ArmTypes, MissingDefinition, fixture_versions
from azure_identity_kit import (
    IdentitySetting,
    QueueScaleRule,
    UserAssignedIdentity,
    UserAssignedIdentityProps,
)
from azure_identity_kit.container_app import CONTAINER_APPS_API, LIFECYCLES
from support import new_stack, synth
from test_container_app_depth import QUEUE, _deep_app, _runtime

AZAPI_KINDS = ("azapi_resource", "azapi_update_resource", "azapi_resource_action")


# The validator itself, on tiny hand-made definitions --------------------------------
def _tiny() -> ArmTypes:
    return ArmTypes(
        [
            {"$type": "StringType"},  # 0
            {"$type": "IntegerType", "minValue": 1},  # 1
            {"$type": "StringLiteralType", "value": "Init"},  # 2
            {"$type": "StringLiteralType", "value": "Main"},  # 3
            {"$type": "UnionType", "elements": [{"$ref": "#/2"}, {"$ref": "#/3"}]},  # 4
            {
                "$type": "ObjectType",  # 5
                "name": "Item",
                "properties": {
                    "identity": {"type": {"$ref": "#/0"}, "flags": 1},
                    "lifecycle": {"type": {"$ref": "#/4"}, "flags": 0},
                    "count": {"type": {"$ref": "#/1"}, "flags": 0},
                },
            },
            {"$type": "ArrayType", "itemType": {"$ref": "#/5"}},  # 6
            {"$type": "ObjectType", "name": "Tags", "additionalProperties": {"$ref": "#/0"}},  # 7
            {
                "$type": "ObjectType",  # 8
                "name": "Thing",
                "properties": {
                    "name": {"type": {"$ref": "#/0"}, "flags": 9},
                    "state": {"type": {"$ref": "#/0"}, "flags": 2},
                    "items": {"type": {"$ref": "#/6"}, "flags": 0},
                    "tags": {"type": {"$ref": "#/7"}, "flags": 0},
                    "enabled": {"type": {"$ref": "#/10"}, "flags": 0},
                    "extra": {"type": {"$ref": "#/11"}, "flags": 0},
                    "open": {"type": {"$ref": "#/14"}, "flags": 0},
                },
            },
            {"$type": "ResourceType", "name": "X.Y/things@2020-01-01", "body": {"$ref": "#/8"}},
            {"$type": "BooleanType"},  # 10
            {"$type": "AnyType"},  # 11
            {"$type": "StringLiteralType", "value": "Other"},  # 12
            {"$type": "UnionType", "elements": [{"$ref": "#/12"}, {"$ref": "#/0"}]},  # 13
            {"$type": "UnionType", "elements": [{"$ref": "#/2"}, {"$ref": "#/0"}]},  # 14
        ]
    )


def _check(body, partial=True):
    return _tiny().validate("X.Y/things@2020-01-01", body, partial=partial)


def test_validator_accepts_a_valid_patch():
    body = {"items": [{"identity": "system", "lifecycle": "Main", "count": 2}], "tags": {"a": "b"}}
    assert _check(body) == []


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"bogus": 1},
            "bogus: unknown property; Thing accepts: enabled, extra, items, name, open, tags",
        ),
        ({"Items": []}, "Items: unknown property (did you mean 'items'?)"),
        ({"state": "x"}, "state: read-only property"),
        (
            {"items": [{"identity": "a"}, {"identity": "b", "lifecycle": "Sometimes"}]},
            "items[1].lifecycle: \"Sometimes\" is not one of the allowed values 'Init', 'Main'",
        ),
        ({"items": [{"identity": "a", "nope": 1}]}, "items[0].nope: unknown property"),
        ({"items": [{"identity": 3}]}, "items[0].identity: expected a string, got 3"),
        ({"items": [{"count": "2"}]}, 'items[0].count: expected an integer, got "2"'),
        ({"items": [{"count": 0}]}, "items[0].count: 0 is below the minimum 1"),
        ({"items": {"identity": "a"}}, "items: expected an array"),
        ({"tags": {"a": 1}}, "tags.a: expected a string, got 1"),
        ({"enabled": "true"}, 'enabled: expected a boolean, got "true"'),
        ({"items": "${var.items}"}, "items: a Terraform expression where ARM expects an array"),
    ],
)
def test_validator_reports_each_problem_with_its_path(body, expected):
    problems = _check(body)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"X.Y/things@2020-01-01: {expected}"), problems


def test_validator_accepts_tokens_any_string_unions_and_any_type():
    token = "${azurerm_user_assigned_identity.x.id}"
    body = {
        "items": [{"identity": token, "lifecycle": token, "count": "${var.n}"}],
        "enabled": "${var.on}",
        "extra": {"anything": [1, {"goes": True}]},
        "open": "AnyStringAtAll",  # a union that includes StringType allows any string
    }
    assert _check(body) == []


def test_required_properties_are_checked_only_for_full_bodies():
    assert _check({"items": [{"lifecycle": "Main"}]}) == [], "a PATCH sends only what it changes"
    problems = _check({"items": [{"lifecycle": "Main"}]}, partial=False)
    assert [p.split(": ", 1)[1] for p in problems] == [
        "items[0].identity: required property is missing",
        "name: required property is missing",
    ]
    supplied = _tiny().validate("X.Y/things@2020-01-01", {}, partial=False, supplied=["name"])
    assert supplied == [], "azapi_resource sets name itself"


def test_validator_checks_discriminated_objects():
    types = ArmTypes(
        [
            {"$type": "StringType"},
            {"$type": "StringLiteralType", "value": "A"},
            {
                "$type": "ObjectType",
                "name": "VariantA",
                "properties": {
                    "kind": {"type": {"$ref": "#/1"}, "flags": 1},
                    "a": {"type": {"$ref": "#/0"}, "flags": 0},
                },
            },
            {
                "$type": "DiscriminatedObjectType",
                "name": "Base",
                "discriminator": "kind",
                "baseProperties": {"common": {"type": {"$ref": "#/0"}, "flags": 0}},
                "elements": {"A": {"$ref": "#/2"}},
            },
            {"$type": "ResourceType", "name": "X.Y/d@2020-01-01", "body": {"$ref": "#/3"}},
        ]
    )

    def check(body, partial=False):
        return [
            p.split(": ", 1)[1] for p in types.validate("X.Y/d@2020-01-01", body, partial=partial)
        ]

    assert check({"kind": "A", "a": "x", "common": "y"}) == []
    assert check({"kind": "B"}) == ["(body).kind: \"B\" is not one of 'A'"]
    assert check({"kind": "A", "b": 1})[0].startswith("b: unknown property")
    assert check({"a": "x"}) == ["(body): Base needs 'kind', one of A"]
    assert check({"a": "x"}, partial=True) == [], "a PATCH may leave the variant alone"


def test_a_type_without_a_fixture_says_how_to_add_it():
    with pytest.raises(MissingDefinition, match=r"Microsoft\.Web/sites@2099-01-01: no ARM type"):
        ArmTypes.for_type("Microsoft.Web/sites@2099-01-01")


# The kit's bodies -------------------------------------------------------------------
def _azapi_resources(doc: dict, origin: str):
    for kind in AZAPI_KINDS:
        for name, config in doc.get("resource", {}).get(kind, {}).items():
            yield f"{origin}: {kind}.{name}", kind, config


def _problems(kind: str, config: dict, resource_type: str | None = None) -> list[str]:
    """Validate one azapi resource's body as azapi sends it (PATCH/update: partial)."""
    resource_type = resource_type or config["type"]
    types = ArmTypes.for_type(resource_type)
    body = config.get("body", {})
    if kind == "azapi_resource":
        return types.validate(resource_type, body, partial=False, supplied=AZAPI_SUPPLIED)
    if kind == "azapi_update_resource":  # azapi merges it into the live resource
        return types.validate(resource_type, body, partial=True)
    method = config.get("method", "POST")  # azapi_resource_action's default
    action = config.get("action") or None
    return types.validate(resource_type, body, partial=method == "PATCH", action=action)


def _construct_docs():
    """Stacks exercising every body the kit can emit: identity settings with every
    lifecycle, user- and system-assigned, scale rules by default, explicit and system
    identity."""
    stack = new_stack()
    _deep_app(stack)
    yield "default depth app", synth(stack)
    for lifecycle in LIFECYCLES:
        stack = new_stack()
        runtime = _runtime(stack)
        extra = UserAssignedIdentity(
            stack, "extra", UserAssignedIdentityProps("id-extra", "rg", "westeurope")
        )
        _deep_app(
            stack,
            runtime_identity=runtime,
            system_assigned=True,
            user_assigned=[extra],
            identity_settings=[
                IdentitySetting(runtime, lifecycle),
                IdentitySetting("system", lifecycle),
                IdentitySetting(extra, lifecycle),
            ],
            queue_scale_rules=[
                QueueScaleRule("by-runtime", "stjobs", "jobs", QUEUE, queue_length=10),
                QueueScaleRule("by-extra", "stjobs", "jobs", QUEUE, identity=extra),
                QueueScaleRule("by-system", "stjobs", "jobs", QUEUE, identity="system"),
            ],
        )
        yield f"lifecycle {lifecycle}", synth(stack)


@pytest.fixture(scope="module")
def emitted(synth_outdir: Path) -> list[tuple[str, str, dict]]:
    """Every azapi resource in every synthesized stack and in the construct configurations."""
    found = []
    for path in sorted((synth_outdir / "stacks").glob("*/cdk.tf.json")):
        found += _azapi_resources(json.loads(path.read_text()), f"stack {path.parent.name}")
    for origin, doc in _construct_docs():
        found += _azapi_resources(doc, origin)
    return found


def test_bodies_cover_identity_settings_and_scale_rules(emitted):
    bodies = json.dumps([config.get("body") for _, _, config in emitted])
    assert any(origin.startswith("stack ") for origin, _, _ in emitted), "no stack uses azapi"
    for lifecycle in LIFECYCLES:
        assert f'"lifecycle": "{lifecycle}"' in bodies
    assert '"identity": "system"' in bodies and '"azureQueue"' in bodies


def test_every_azapi_body_is_valid_for_its_api_version(emitted):
    problems = []
    for where, kind, config in emitted:
        try:
            problems += [f"{where}: {p}" for p in _problems(kind, config)]
        except MissingDefinition as missing:
            problems.append(f"{where}: {missing}")
    assert not problems, "\n".join(problems)


def test_kit_lifecycles_are_the_values_arm_defines():
    """`lifecycle` also allows any string in the definition, so the kit's own check
    (identity-lifecycle rule) is what refuses a typo: it must allow exactly ARM's literals."""
    types = ArmTypes.for_type(CONTAINER_APPS_API)
    settings = next(t for t in types.types if t.get("name") == "IdentitySettings")
    union = types.deref(settings["properties"]["lifecycle"]["type"])
    literals = {
        element["value"]
        for element in map(types.deref, union["elements"])
        if element["$type"] == "StringLiteralType"
    }
    assert set(LIFECYCLES) == literals


# The regression from issue 11: the same bodies were sent as 2024-03-01 ---------------
def _body_of(emitted, marker: str) -> tuple[str, dict]:
    return next((k, c) for origin, k, c in emitted if marker in origin and "default" in origin)


def test_identity_settings_body_fails_on_2024_03_01_and_passes_on_2025_01_01(emitted):
    kind, config = _body_of(emitted, "identity-settings")
    assert "identitySettings" in json.dumps(config["body"])
    old = _problems(kind, config, "Microsoft.App/containerApps@2024-03-01")
    assert old and all("properties.configuration.identitySettings: unknown" in p for p in old), old
    assert _problems(kind, config, "Microsoft.App/containerApps@2025-01-01") == []


def test_scale_rule_identity_fails_on_2024_03_01(emitted):
    kind, config = _body_of(emitted, "queue-scale-rules")
    old = _problems(kind, config, "Microsoft.App/containerApps@2024-03-01")
    assert any("rules[0].azureQueue.identity: unknown property" in p for p in old), old
    assert _problems(kind, config, "Microsoft.App/containerApps@2025-01-01") == []


def test_api_versions_are_the_oldest_fixture_that_accepts_the_bodies(emitted):
    """For every emitted `type`, each older API version in the fixtures rejects at least
    one of its bodies: a newer version than needed would be an unexplained upgrade."""
    by_type = defaultdict(list)
    for _, kind, config in emitted:
        by_type[config["type"]].append((kind, config))
    assert CONTAINER_APPS_API in by_type
    assert fixture_versions("Microsoft.App/containerApps") == ["2024-03-01", "2025-01-01"]
    for resource_type, bodies in by_type.items():
        name, version = resource_type.split("@")
        for older in (v for v in fixture_versions(name) if v < version):
            accepted = all(not _problems(k, c, f"{name}@{older}") for k, c in bodies)
            assert not accepted, f"{resource_type}: {older} accepts every body; use it instead"


def test_fixtures_are_the_attributed_unchanged_copies():
    readme = (FIXTURES / "README.md").read_text()
    assert "Azure/bicep-types-az" in readme and "1f896de2" in readme
    assert "MIT License" in (FIXTURES / "LICENSE").read_text()
    for path in FIXTURES.glob("*/*/types.json"):
        assert f"`{path.parent.parent.name}/{path.parent.name}/types.json`" in readme, path
        ArmTypes.load(path)  # parses
