"""Every guard rule stays quiet on the project's own stacks (stacks.build_app),
which apply the guard themselves."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from azure_identity_kit._cdktf import TerraformStack
from azure_identity_kit.guard import GUARD_RULES, SUPPRESSIONS_KEY, annotations
from azure_identity_kit.guard.aspect import is_guarded

from stacks import ENVIRONMENTS

RULE_IDS = [rule.rule_id for rule in GUARD_RULES]


def test_build_app_guards_every_stack(good_app):
    stacks = [s for s in good_app.node.children if TerraformStack.is_stack(s)]
    assert {s.node.id for s in stacks} >= set(ENVIRONMENTS), "every environment has a stack"
    unguarded = [s.node.id for s in stacks if not is_guarded(s)]
    assert not unguarded, f"build_app must apply the guard to every stack: {unguarded}"


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_rule_is_quiet_on_the_environment_stacks(rule_id, good_findings):
    found = [f.message for env in ENVIRONMENTS for f in good_findings[env] if f.rule_id == rule_id]
    assert not found, f"[{rule_id}] must not fire on the environment stacks: {found}"


@pytest.fixture(scope="module")
def good_annotations(good_app):
    return [m for level in ("error", "warning") for m in annotations(good_app, level)]


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_rule_leaves_no_annotation_on_the_app(rule_id, good_annotations):
    noisy = [m for m in good_annotations if f"[{rule_id}]" in m]
    assert not noisy, f"[{rule_id}] must not annotate the project's app: {noisy}"


def test_suppressed_findings_of_the_app_are_in_the_synthesized_json(good_app, good_findings):
    """Other stacks (e.g. the bootstrap) may accept findings; each must be on record."""
    outdir = Path(good_app.outdir) / "stacks"
    for stack_name, findings in good_findings.items():
        if not findings:
            continue
        document = json.loads((outdir / stack_name / "cdk.tf.json").read_text())
        recorded = {
            (body["//"]["metadata"]["path"], entry["rule"])
            for by_name in document["resource"].values()
            for body in by_name.values()
            for entry in body["//"].get(SUPPRESSIONS_KEY, [])
        }
        for finding in findings:
            assert (finding.path, finding.rule_id) in recorded, (
                f"{finding.path} [{finding.rule_id}] passed synth, so it must be suppressed "
                f"with its reason in {stack_name}/cdk.tf.json"
            )
