"""guard.suppress(): refused without a real reason or a known guard rule; when
accepted it silences that rule only, and the synthesized JSON records it."""

from __future__ import annotations

import json

import pytest
from azure_identity_kit import KitValidationError, UserAssignedIdentity, UserAssignedIdentityProps
from azure_identity_kit._cdktf import Construct
from azure_identity_kit.azurerm import container_registry
from azure_identity_kit.guard import SUPPRESSIONS_KEY, suppress
from guard_support import new_stack, synth_guarded

REASON = "Legacy CI pushes with the admin user until the pipeline moves to OIDC"


def _registry(scope, *, admin=True, anonymous=False):
    return container_registry.ContainerRegistry(
        scope,
        "acr",
        name="crbad",
        resource_group_name="rg-bad",
        location="westeurope",
        sku="Standard",
        admin_enabled=admin,
        anonymous_pull_enabled=anonymous,
    )


def _suppressions(outcome, resource_type, logical_id_prefix):
    document = json.loads(outcome.stack_json().read_text())
    (body,) = [
        b
        for lid, b in document["resource"][resource_type].items()
        if lid.startswith(logical_id_prefix)
    ]
    return body["//"].get(SUPPRESSIONS_KEY)


@pytest.mark.parametrize("reason", ["", "   ", "because", "ok ok ok ", None])
def test_reason_too_short_is_refused(reason):
    stack = new_stack()
    registry = _registry(stack)
    with pytest.raises(KitValidationError) as error:
        suppress(registry, "acr-admin-user", reason)
    assert error.value.rule_id == "suppression-reason", str(error.value)
    assert error.value.path == "bad/acr", "the error must name the construct"


@pytest.mark.parametrize(
    "rule_id", ["acr-admin", "no-such-rule", "name-key-vault", "duplicate-grant"]
)
def test_unknown_or_input_rule_is_refused(rule_id):
    stack = new_stack()
    with pytest.raises(KitValidationError) as error:
        suppress(_registry(stack), rule_id, REASON)
    assert error.value.rule_id == "suppression-unknown-rule", str(error.value)
    assert "acr-admin-user" in error.value.fix, "the fix must list the rules that exist"


def test_suppression_on_a_non_resource_without_children_is_refused():
    stack = new_stack()
    identity = UserAssignedIdentity(
        stack, "idle", UserAssignedIdentityProps("id-idle", "rg-bad", "westeurope")
    )
    with pytest.raises(KitValidationError) as error:
        suppress(identity, "identity-idle", REASON)
    assert error.value.rule_id == "suppression-target", str(error.value)


def test_accepted_suppression_silences_the_rule_and_is_recorded_in_the_json():
    stack = new_stack()
    registry = _registry(stack)
    suppress(registry, "acr-admin-user", REASON)
    outcome = synth_guarded(stack)
    assert outcome.synth_error is None, f"the suppressed error must not fail synth: {outcome}"
    assert not outcome.annotations, f"nothing else is wrong here: {outcome.annotations}"
    assert _suppressions(outcome, "azurerm_container_registry", "acr") == [
        {"rule": "acr-admin-user", "reason": REASON, "suppressedAt": "bad/acr"}
    ], "a reviewer must see rule and reason in cdk.tf.json"


def test_suppression_covers_one_rule_only():
    stack = new_stack()
    suppress(_registry(stack, anonymous=True), "acr-admin-user", REASON)
    outcome = synth_guarded(stack)
    assert outcome.rule_ids() == {"acr-anonymous-pull"}, outcome.annotations
    assert outcome.synth_error and "[acr-anonymous-pull]" in outcome.synth_error


def test_apply_to_children_covers_resources_below_and_records_where_it_was_made():
    stack = new_stack()
    team = Construct(stack, "legacy")
    _registry(team)
    UserAssignedIdentity(team, "idle", UserAssignedIdentityProps("id-idle", "rg-bad", "westeurope"))
    suppress(team, "acr-admin-user", REASON, apply_to_children=True)
    suppress(
        team, "identity-idle", "Granted by the platform team's own stack", apply_to_children=True
    )
    outcome = synth_guarded(stack)
    assert outcome.synth_error is None and not outcome.annotations, outcome.annotations
    recorded = _suppressions(outcome, "azurerm_container_registry", "legacy_acr")
    assert {"rule": "acr-admin-user", "reason": REASON, "suppressedAt": "bad/legacy"} in recorded


def test_without_apply_to_children_a_parent_suppression_does_not_reach_down():
    stack = new_stack()
    parent = _registry(stack)
    _registry(Construct(parent, "nested"))  # a resource below a resource
    suppress(parent, "acr-admin-user", REASON)
    outcome = synth_guarded(stack)
    assert [at for _, at, _ in outcome.of("acr-admin-user")] == ["bad/acr/nested/acr"], (
        f"only the suppressed resource itself is covered: {outcome.annotations}"
    )
