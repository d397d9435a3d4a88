"""First deploy (docs/first-deploy.md): configuration in environments.toml,
the deploy gate on demo values, enforced by Terraform itself, and `make
preflight`, which reads what is needed outside Terraform from the stack."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from azure_identity_kit.deploy_gate import GATE_VARIABLE
from azure_identity_kit.preflight import check_stack
from azure_identity_kit.preflight import main as preflight
from azure_identity_kit.validate.engine import clean_env, pinned_binary
from support import REAL_VALUES, settings_file

from stacks import build_app, load_settings
from stacks.settings import DEMO_VALUES, ConfigError

REPO = Path(__file__).resolve().parent.parent
TERRAFORM = REPO / "tools" / "terraform" / "bin" / "terraform"
STACKS = ["dev", "staging", "prod", "bootstrap"]
ENVIRONMENT_RULES = {
    "demo-workload",
    "demo-sql-admin-group-name",
    "demo-sql-admin-group-object-id",
    "demo-ssh-public-key",
}
BOOTSTRAP_RULES = {"demo-workload", "demo-github-repository", "demo-state-storage-account"}


def _synth(outdir: Path, settings=None, names=None) -> dict[str, dict]:
    build_app(names, outdir=str(outdir), settings=settings).synth()
    return {
        name: json.loads((outdir / "stacks" / name / "cdk.tf.json").read_text())
        for name in (names or STACKS)
    }


def _gate_rules(doc: dict) -> set[str]:
    lines = doc.get("variable", {}).get(GATE_VARIABLE, {}).get("default", [])
    return {line[1 : line.index("]")] for line in lines}


# --- the demo values and the gate ------------------------------------------------------


def test_the_demo_configuration_synthesizes_with_a_gate_per_demo_value(synth_outdir):
    for name in STACKS:
        doc = json.loads((synth_outdir / "stacks" / name / "cdk.tf.json").read_text())
        expected = BOOTSTRAP_RULES if name == "bootstrap" else ENVIRONMENT_RULES
        assert _gate_rules(doc) == expected, name
        (rule,) = doc["variable"][GATE_VARIABLE]["validation"]
        assert rule["condition"] == f"${{length(var.{GATE_VARIABLE}) == 0}}"
        assert all(f"[{rule_id}]" in rule["error_message"] for rule_id in expected)


def test_the_shipped_file_marks_every_demo_value_and_only_those():
    """Each line holding a demo value says DEMO; the test helper knows a real value
    for each (so the 'filled in' tests below really leave none)."""
    text = (REPO / "environments.toml").read_text()
    demo_lines = [line for line in text.splitlines() if "# DEMO:" in line]
    assert len(demo_lines) == len(DEMO_VALUES)
    for demo in DEMO_VALUES:
        shown = demo.value if isinstance(demo.value, str) else ""
        assert any(demo.key in line for line in demo_lines), f"{demo.key} is not marked DEMO"
        assert shown in text
    assert len({demo.rule_id for demo in DEMO_VALUES}) == len(DEMO_VALUES)
    assert all(old in text for old in REAL_VALUES)


def test_filled_in_settings_open_the_gate_and_change_nothing_else(tmp_path):
    settings = load_settings(settings_file(tmp_path))
    docs = _synth(tmp_path / "out", settings)
    for name, doc in docs.items():
        assert "variable" not in doc, f"{name}: no demo value left, no gate"
    assert json.loads(json.dumps(docs["dev"])).get("resource")
    assert preflight([str(tmp_path / "out" / "stacks" / name) for name in STACKS]) == 0


@pytest.mark.parametrize("demo", DEMO_VALUES, ids=lambda demo: demo.rule_id)
def test_each_demo_value_left_alone_is_refused_by_its_own_rule(tmp_path, demo):
    """All values filled in but one: the gate names exactly that one."""
    keep = {old: new for old, new in REAL_VALUES.items() if old not in DEMO_TEXT[demo.rule_id]}
    settings = load_settings(settings_file(tmp_path, keep))
    stacks = ["bootstrap"] if demo.rule_id in BOOTSTRAP_RULES - ENVIRONMENT_RULES else ["dev"]
    docs = _synth(tmp_path / "out", settings, stacks)
    assert _gate_rules(docs[stacks[0]]) == {demo.rule_id}


DEMO_TEXT = {
    # rule ID -> the REAL_VALUES keys (text of environments.toml) that hold its demo value
    "demo-workload": ['workload = "idkit"'],
    "demo-sql-admin-group-name": ['"sg-idkit-sql-admins"'],
    "demo-sql-admin-group-object-id": ['"00000000-0000-0000-0000-000000000000"'],
    "demo-ssh-public-key": [k for k in REAL_VALUES if "AAAA" in k or "placeholder" in k],
    "demo-github-repository": ['"your-org/azure-identity-kit"'],
    "demo-state-storage-account": ['"stidkittfstate"'],
}


def test_the_helper_knows_where_each_demo_value_is():
    assert set(DEMO_TEXT) == {demo.rule_id for demo in DEMO_VALUES}
    assert sorted(k for keys in DEMO_TEXT.values() for k in keys) == sorted(REAL_VALUES)


def test_an_environment_can_replace_a_demo_value_of_the_defaults(tmp_path):
    # Everything real but the defaults' SSH key, whose comment alone is changed (the
    # key is still the demo's): dev sets a key of its own, staging inherits the demo's.
    path = settings_file(tmp_path, {k: v for k, v in REAL_VALUES.items() if "AAAA" not in k})
    text = path.read_text()
    path.write_text(
        text.replace(
            "[environments.dev]\n",
            '[environments.dev]\nops_ssh_public_keys = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDxT'
            '0ynq5fTq1VNb5hXH8xk8Q4t1bR8pOa3m9n2s7Wc1 dev@contoso"]\n',
        )
    )
    settings = load_settings(path)
    docs = _synth(tmp_path / "out", settings, ["dev", "staging"])
    assert _gate_rules(docs["dev"]) == set()
    lines = docs["staging"]["variable"][GATE_VARIABLE]["default"]
    assert _gate_rules(docs["staging"]) == {"demo-ssh-public-key"}
    assert "environments.toml [defaults] ops_ssh_public_keys" in lines[0], "where to fix it"


# --- Terraform enforces the gate --------------------------------------------------------


def test_terraform_plan_refuses_the_gate_and_validate_accepts_it(synth_outdir):
    """cdktf deploy runs `terraform plan` on the synthesized stack: the gate's
    validation rule fails there, before any provider is configured; `terraform
    validate` (make validate) accepts the same stack. Real Terraform (1.0.3)."""
    binary = str(pinned_binary(str(TERRAFORM)))
    doc = json.loads((synth_outdir / "stacks" / "dev" / "cdk.tf.json").read_text())
    gate_only = {"variable": {GATE_VARIABLE: doc["variable"][GATE_VARIABLE]}}
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "main.tf.json").write_text(json.dumps(gate_only))
        env = clean_env(folder)

        def terraform(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [binary, *args, "-no-color"], cwd=folder, env=env, capture_output=True, text=True
            )

        assert terraform("init", "-backend=false").returncode == 0
        assert terraform("validate").returncode == 0, "validate does not evaluate the default"
        plan = terraform("plan", "-input=false")
    assert plan.returncode == 1
    assert "Invalid value for variable" in plan.stderr
    for rule_id in ENVIRONMENT_RULES:
        assert f"[{rule_id}]" in plan.stderr, plan.stderr
    assert "This deploy was refused." in plan.stderr


# --- bad or missing settings: one error per field -------------------------------------


def test_every_bad_field_is_reported_at_once(tmp_path):
    path = settings_file(
        tmp_path,
        {
            "api_min_replicas = 1\n": 'api_min_replicas = "one"\n',  # staging: wrong type
            "api_max_replicas = 10\n": "api_max_replica = 10\n",  # prod: a typo
            '"00000000-0000-0000-0000-000000000000"': '"not-a-guid"',
            'state_storage_account = "stidkittfstate"': "",  # bootstrap: missing
        },
    )
    with pytest.raises(ConfigError) as raised:
        load_settings(path)
    found = [(problem.path, problem.rule_id) for problem in raised.value.problems]
    assert sorted(found) == sorted(
        {
            ("environments.toml:environments.staging.api_min_replicas", "config-type"),
            ("environments.toml:environments.prod.api_max_replica", "config-unknown-key"),
            ("environments.toml:defaults.sql_admin_group_object_id", "config-type"),
            ("environments.toml:bootstrap.state_storage_account", "config-missing"),
        }
    ), "one problem per field, each at its table and key (the GUID once, not per environment)"


def test_a_cross_field_rule_of_the_config_keeps_its_own_rule_id(tmp_path):
    path = settings_file(tmp_path, {'registry_sku = "Premium"            #': "#"})
    with pytest.raises(ConfigError) as raised:
        load_settings(path)
    assert [p.rule_id for p in raised.value.problems] == ["private-registry-sku"]


def test_main_reports_a_bad_file_as_one_line_per_field_without_a_traceback(tmp_path):
    path = settings_file(tmp_path, {"dapr_state_store = true": "dapr_state_store = 1"})
    done = subprocess.run(
        [sys.executable, "main.py", "dev"],
        cwd=REPO,
        env={**os.environ, "IDKIT_CONFIG": str(path), "CDKTF_OUTDIR": str(tmp_path / "out")},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "environments.dev.dapr_state_store: [config-type]" in done.stderr, done.stderr


# --- make preflight ---------------------------------------------------------------------


def test_preflight_refuses_the_demo_stacks_and_names_each_value(synth_outdir, capsys):
    assert preflight([str(synth_outdir / "stacks" / name) for name in STACKS]) == 1
    out = capsys.readouterr().out
    for rule_id in ENVIRONMENT_RULES | BOOTSTRAP_RULES:
        assert f"[{rule_id}]" in out


def test_preflight_reads_what_is_needed_outside_terraform_from_the_stack(synth_outdir):
    dev = json.loads((synth_outdir / "stacks" / "dev" / "cdk.tf.json").read_text())
    outside = "\n".join(check_stack("dev", dev, synth_outdir / "stacks" / "dev").outside)
    assert "deploy identity must be a member" in outside and "sg-idkit-sql-admins" in outside
    assert "Directory Readers" in outside
    assert "image 'api:1.0.0' must be in registry 'cridkitdev'" in outside
    boot = json.loads((synth_outdir / "stacks" / "bootstrap" / "cdk.tf.json").read_text())
    outside = "\n".join(check_stack("bootstrap", boot).outside)
    for env in ("dev", "staging", "prod"):
        assert f"environment '{env}'" in outside and f"resource group 'rg-idkit-{env}'" in outside
    assert "repo:your-org/azure-identity-kit:pull_request" in outside


def test_preflight_lists_the_groups_import_blocks_adopt(tmp_path, monkeypatch):
    monkeypatch.setenv("IDKIT_STATE_STORAGE_ACCOUNT", "stshoptfstate01")
    monkeypatch.setenv("IDKIT_STATE_CONTAINER", "tfstate")
    monkeypatch.setenv("IDKIT_STATE_RESOURCE_GROUP", "rg-shop-deploy")
    settings = load_settings(settings_file(tmp_path))
    doc = _synth(tmp_path / "out", settings, ["prod"])["prod"]
    report = check_stack("prod", doc)
    assert report.ok
    outside = "\n".join(report.outside)
    assert "resource group 'rg-shop-prod' must exist: the stack adopts it" in outside
    assert "storage account 'stshoptfstate01'" in outside


def test_make_preflight_needs_env_and_the_deploy_workflow_runs_it_before_each_deploy():
    makefile = (REPO / "Makefile").read_text()
    assert "preflight: $(SETUP_STAMP)" in makefile and "usage: make preflight ENV=" in makefile
    workflow = (REPO / ".github" / "workflows" / "deploy.yml").read_text()
    for env in ("dev", "staging", "prod"):
        job = workflow[workflow.index(f"  deploy-{env}:") :]
        gate = job.index(f"run: make preflight ENV={env}")
        deploy = job.index(f"deploy {env} --auto-approve")
        assert gate < deploy, f"{env}: preflight runs before cdktf deploy"
