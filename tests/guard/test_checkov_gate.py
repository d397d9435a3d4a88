"""The checkov gate of `make check`: fails on failed checks, and on files checkov
could not parse (which checkov itself lets pass with exit code 0); passes on
the project's synthesized stacks with the committed .checkov.yaml."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from azure_identity_kit.guard import checkov_gate
from azure_identity_kit.guard.checkov_gate import GateError, check, summarize

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / ".checkov.yaml"
ADMIN_REGISTRY = {
    "azurerm_container_registry": {
        "acr": {
            "name": "crbad",
            "resource_group_name": "rg",
            "location": "westeurope",
            "sku": "Standard",
            "admin_enabled": True,
        }
    }
}


@pytest.fixture(scope="module")
def checkov() -> str:
    try:
        return checkov_gate.find_checkov()
    except GateError as missing:
        if os.environ.get("CI"):
            pytest.fail(f"CI must have checkov for the gate tests: {missing}")
        pytest.skip(f"checkov is not installed here: {missing}")


def _write(root: Path, stack: str, document: dict) -> None:
    path = root / "stacks" / stack / "cdk.tf.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(document, indent=2))


def test_gate_fails_on_files_checkov_cannot_parse(tmp_path, checkov):
    # Both files also hold a registry with the admin user on (CKV_AZURE_137):
    # if checkov had read them, that check would fail.
    _write(
        tmp_path,
        "moved",
        {
            "moved": [
                {"from": "azurerm_container_registry.old", "to": "azurerm_container_registry.acr"}
            ],
            "resource": ADMIN_REGISTRY,
        },
    )
    _write(
        tmp_path,
        "pinned",
        {"terraform": {"required_version": ">= 1.5"}, "resource": ADMIN_REGISTRY},
    )
    code, gate, text = check(tmp_path, CONFIG, checkov)
    assert gate is not None and gate.checkov_exit == 0 and not gate.failed, (
        "checkov itself is expected to pass files it cannot parse (that is why the gate "
        f"exists):\n{text}"
    )
    assert gate.parsing_errors == 2, f"both files are parsing errors:\n{text}"
    assert code == 1, f"the gate must fail on unparsed files:\n{text}"
    assert "NOT PARSED" in text and "`moved` block" in text, text
    assert "terraform.required_version" in text, text


def test_gate_fails_on_a_failed_check(tmp_path, checkov):
    _write(tmp_path, "acr", {"resource": ADMIN_REGISTRY})
    code, gate, text = check(tmp_path, CONFIG, checkov)
    assert code == 1, f"an enabled ACR admin user must fail the gate:\n{text}"
    assert gate is not None and gate.parsing_errors == 0, text
    assert any(c["check_id"] == "CKV_AZURE_137" for c in gate.failed), text
    assert "FAILED CKV_AZURE_137" in text and "azurerm_container_registry.acr" in text, text


def test_gate_passes_on_the_project_stacks(synth_outdir, checkov):
    started = time.monotonic()
    code, gate, text = check(synth_outdir, CONFIG, checkov)
    elapsed = time.monotonic() - started
    assert code == 0, f"the project's stacks must pass the gate:\n{text}"
    assert gate is not None and gate.parsing_errors == 0, text
    assert gate.passed > 20, f"checkov must actually have checked the stacks:\n{text}"
    print(f"checkov gate on the project stacks: {elapsed:.1f} s")


def test_every_skip_in_checkov_yaml_has_a_reason():
    lines = CONFIG.read_text().splitlines()
    skips = [(i, line) for i, line in enumerate(lines) if line.strip().startswith("- CKV")]
    assert skips, "the config skips nothing? then this test is out of date"
    for index, line in skips:
        reason = line.split("#", 1)[1].strip() if "#" in line else ""
        assert len(reason) >= 20, f".checkov.yaml line {index + 1} needs its reason: {line!r}"


def test_gate_cannot_run_without_checkov_or_output(tmp_path):
    code, gate, text = check(tmp_path, CONFIG)
    assert (code, gate) == (2, None) and "synthesize first" in text, text
    _write(tmp_path, "acr", {"resource": ADMIN_REGISTRY})
    code, gate, text = check(tmp_path, CONFIG, checkov=str(tmp_path / "no-checkov"))
    assert (code, gate) == (2, None) and "could not run" in text, text


def test_summarize_adds_up_reports_and_refuses_odd_ones():
    report = summarize(
        [
            {"summary": {"passed": 2, "failed": 0, "parsing_errors": 0}, "results": {}},
            {"summary": {"passed": 1, "failed": 0, "parsing_errors": 1}},
        ]
    )
    assert (report.passed, report.parsing_errors, report.ok) == (3, 1, False)
    with pytest.raises(GateError):
        summarize({"no": "summary"})
    with pytest.raises(GateError):
        summarize({"summary": {"failed": 1}, "results": {"failed_checks": []}})


def test_a_stack_with_its_own_skip_file_is_scanned_with_those_skips_only(tmp_path, checkov):
    # Two stacks with the same failing registry (CKV_AZURE_137); only one has a
    # .checkov.<stack>.yaml that skips it, so only the other one fails.
    config = tmp_path / "config" / ".checkov.yaml"
    config.parent.mkdir()
    config.write_text(CONFIG.read_text())
    (config.parent / ".checkov.relaxed.yaml").write_text(
        "skip-check:\n  - CKV_AZURE_137   # a test reason that is long enough\n"
    )
    out = tmp_path / "out"
    for stack in ("relaxed", "strict"):
        _write(out, stack, {"resource": ADMIN_REGISTRY})
    code, gate, text = check(out, config, checkov)
    assert code == 1 and gate is not None, text
    failed = {(c["check_id"], c["file_path"].strip("/").split("/")[0]) for c in gate.failed}
    assert ("CKV_AZURE_137", "strict") in failed, text
    assert all(stack != "relaxed" or check_id != "CKV_AZURE_137" for check_id, stack in failed)
    # The base skips still apply to the relaxed stack: its failures are a subset of strict's.
    relaxed = {check_id for check_id, stack in failed if stack == "relaxed"}
    strict = {check_id for check_id, stack in failed if stack == "strict"}
    assert relaxed == strict - {"CKV_AZURE_137"}, text


def _cosmos_stack(major: int, keys_off: dict) -> dict:
    account = {
        "name": "cosmos-x",
        "resource_group_name": "rg",
        "location": "westeurope",
        "offer_type": "Standard",
        "kind": "GlobalDocumentDB",
        "access_key_metadata_writes_enabled": False,
        "consistency_policy": {"consistency_level": "Session"},
        "geo_location": [{"location": "westeurope", "failover_priority": 0}],
        **keys_off,
    }
    version = {4: "4.55.0", 5: "5.10.0"}[major]
    return {
        "terraform": {"required_providers": {"azurerm": {"source": "azurerm", "version": version}}},
        "resource": {"azurerm_cosmosdb_account": {"cosmos": account}},
    }


def test_azurerm4_only_check_is_set_aside_on_azurerm5_stacks_only(tmp_path, checkov):
    """checkov 3.3.30's CKV_AZURE_140 knows only azurerm 4's local_authentication_disabled:
    on an azurerm 5 stack (cdktn) it is listed as not applicable, the guard covers it."""
    _write(tmp_path, "v5", _cosmos_stack(5, {"local_authentication_enabled": False}))
    _write(tmp_path, "v4", _cosmos_stack(4, {"local_authentication_disabled": False}))
    _, gate, text = check(tmp_path, CONFIG, checkov)
    assert gate is not None, text
    failed = {(c["check_id"], Path(c["file_path"]).parent.name) for c in gate.failed}
    aside = {(c["check_id"], Path(c["file_path"]).parent.name) for c in gate.not_applicable}
    assert ("CKV_AZURE_140", "v4") in failed, text
    assert aside == {("CKV_AZURE_140", "v5")}, text
    assert "NOT APPLICABLE (azurerm 5) CKV_AZURE_140" in text and "cosmos-local-auth" in text
