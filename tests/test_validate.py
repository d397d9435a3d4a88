"""`make validate` (issue 11): every synthesized stack, the remote-state variant
and every stack-shaped snapshot load in a real Terraform engine (the pinned
Terraform 1.0.3, SHA-256 checked), plus the reference and cycle checks that
Terraform would make with providers loaded. Broken stacks fail with exit 1
and one clear line per problem."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest
from azure_identity_kit.validate import (
    find_stacks,
    line_paths,
    main,
    validate_files,
    validate_stack,
)
from azure_identity_kit.validate.engine import (
    PINNED_SHA256,
    clean_env,
    pinned_binary,
    sha256_of,
)
from azure_identity_kit.validate.newer import check_newer, strip_newer
from azure_identity_kit.validate.references import _BARE_ADDRESS, declared, references

from stacks import ENVIRONMENTS, build_app

REPO = Path(__file__).resolve().parent.parent
TERRAFORM = REPO / "tools" / "terraform" / "bin" / "terraform"
SNAPSHOTS = REPO / "tests" / "__snapshots__"
STATE_VARS = {
    "IDKIT_STATE_STORAGE_ACCOUNT": "stidkitstate01",
    "IDKIT_STATE_CONTAINER": "tfstate",
    "IDKIT_STATE_RESOURCE_GROUP": "rg-idkit-deploy",
}


@pytest.fixture(scope="session")
def terraform() -> Path:
    """The pinned Terraform 1.0.3; its SHA-256 is checked before any use."""
    if not TERRAFORM.is_file():
        pytest.fail(f"{TERRAFORM} is missing: `make test` installs it (tools/terraform/install.py)")
    assert sha256_of(TERRAFORM) == PINNED_SHA256
    return pinned_binary(str(TERRAFORM))


def _assert_all_pass(reports) -> None:
    problems = [line for report in reports for line in report.lines]
    assert not problems, "Terraform rejects what we synthesize:\n" + "\n".join(problems)


def test_every_stack_loads_in_terraform(synth_outdir: Path, terraform: Path) -> None:
    stacks = find_stacks([str(synth_outdir)])
    assert sorted(name for name, _ in stacks) == sorted([*ENVIRONMENTS, "bootstrap"])
    _assert_all_pass(validate_files(stacks, terraform))


def test_remote_state_variant_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, terraform: Path
) -> None:
    for name, value in STATE_VARS.items():
        monkeypatch.setenv(name, value)
    build_app(outdir=str(tmp_path)).synth()
    reports = validate_files(find_stacks([str(tmp_path)]), terraform)
    _assert_all_pass(reports)
    removed = {r.name: [x.feature for x in r.removed] for r in reports}
    for env in ENVIRONMENTS:  # each adopts its resource group with an import block
        assert removed[env] == ["import blocks"], "checked, then removed for the 1.0 load"


def test_every_stack_shaped_snapshot_loads(terraform: Path) -> None:
    files = sorted(SNAPSHOTS.rglob("*.json"))
    docs = [(path, json.loads(path.read_text())) for path in files]
    stack_shaped = [(p.stem, p) for p, doc in docs if "terraform" in doc and "resource" in doc]
    assert len(stack_shaped) >= 17, "every construct and stack snapshot is a whole stack"
    _assert_all_pass(validate_files(stack_shaped, terraform))


def test_every_depends_on_is_a_bare_address_in_its_stack(synth_outdir: Path) -> None:
    count = 0
    for _, file in find_stacks([str(synth_outdir)]):
        doc = json.loads(file.read_text())
        known = declared(doc)
        for section in ("resource", "data"):
            for rtype, named in (doc.get(section) or {}).items():
                for name, body in named.items():
                    for entry in body.get("depends_on", []):
                        count += 1
                        assert _BARE_ADDRESS.match(entry), f"{rtype}.{name}: {entry!r}"
                        assert known.get(entry) in ("resource", "data"), f"{entry} undeclared"
    assert count >= 20, "the stacks order workloads after their grants"


# --- three broken stacks: exit 1 and a clear line each ---------------------------


def _minimal() -> dict:
    group = {"location": "westeurope", "name": "rg-a"}
    return {
        "provider": {"azurerm": [{"features": [{}]}]},
        "resource": {
            "azurerm_resource_group": {"a": dict(group), "b": {**group, "name": "rg-b"}},
        },
        "terraform": {
            "required_providers": {"azurerm": {"source": "azurerm", "version": "4.55.0"}}
        },
    }


def _write(tmp_path: Path, name: str, doc: dict) -> Path:
    folder = tmp_path / "out" / "stacks" / name
    folder.mkdir(parents=True)
    (folder / "cdk.tf.json").write_text(json.dumps(doc, indent=2))
    return tmp_path / "out"


def _run_gate(out: Path, capsys: pytest.CaptureFixture) -> tuple[int, list[str]]:
    code = main([str(out), "--terraform", str(TERRAFORM)])
    return code, capsys.readouterr().out.splitlines()


def test_minimal_stack_passes(tmp_path: Path, terraform: Path, capsys) -> None:
    assert _run_gate(_write(tmp_path, "ok", _minimal()), capsys) == (0, [])


def test_templated_depends_on_fails(tmp_path: Path, terraform: Path, capsys) -> None:
    doc = _minimal()
    doc["resource"]["azurerm_resource_group"]["b"]["depends_on"] = ["${azurerm_resource_group.a}"]
    code, lines = _run_gate(_write(tmp_path, "templated", doc), capsys)
    assert code == 1
    assert any(
        line.startswith("templated: ")
        and "cdk.tf.json:" in line
        and "[terraform Invalid expression]" in line
        and "single static variable reference" in line
        for line in lines
    ), lines
    assert any("[depends-on-address]" in line for line in lines), lines


def test_reference_to_undeclared_resource_fails(tmp_path: Path, terraform: Path, capsys) -> None:
    doc = _minimal()
    doc["resource"]["azurerm_resource_group"]["b"]["tags"] = {
        "peer": "${azurerm_resource_group.missing.name}"
    }
    out = _write(tmp_path, "undeclared", doc)
    text = (out / "stacks" / "undeclared" / "cdk.tf.json").read_text().splitlines()
    line = next(n for n, t in enumerate(text, start=1) if '"peer"' in t)
    code, lines = _run_gate(out, capsys)
    assert code == 1
    assert len(lines) == 1, lines
    assert lines[0].startswith("undeclared: ") and f":{line}: [undeclared-reference]" in lines[0]
    assert "azurerm_resource_group.missing" in lines[0]


def test_two_resource_cycle_fails_with_its_chain(tmp_path: Path, terraform: Path, capsys) -> None:
    doc = _minimal()
    groups = doc["resource"]["azurerm_resource_group"]
    groups["a"]["tags"] = {"peer": "${azurerm_resource_group.b.name}"}
    groups["b"]["depends_on"] = ["azurerm_resource_group.a"]
    code, lines = _run_gate(_write(tmp_path, "cycle", doc), capsys)
    assert code == 1
    assert len(lines) == 1, lines
    assert "[dependency-cycle]" in lines[0]
    assert (
        "azurerm_resource_group.a -> azurerm_resource_group.b -> azurerm_resource_group.a"
        in lines[0]
    )


def test_cli_on_existing_output_prints_one_line_per_problem(tmp_path: Path, terraform) -> None:
    """`make validate DIR=...` runs exactly this, without synthesizing."""
    doc = _minimal()
    groups = doc["resource"]["azurerm_resource_group"]
    groups["a"]["tags"] = {"x": "${var.nope}", "y": "${local.nope}"}
    out = _write(tmp_path, "two-problems", doc)
    _write(tmp_path, "fine", _minimal())
    result = subprocess.run(
        [sys.executable, "-m", "azure_identity_kit.validate", str(out), "--terraform", TERRAFORM],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 2 and all(line.startswith("two-problems: ") for line in lines), lines
    assert "1 of 2 stacks passed; failed: two-problems" in result.stderr


def test_gate_cannot_run_without_output_or_with_a_wrong_binary(tmp_path: Path, capsys) -> None:
    assert main([str(tmp_path / "nothing"), "--terraform", str(TERRAFORM)]) == 2
    fake = tmp_path / "terraform"
    fake.write_text("#!/bin/sh\necho hi\n")
    out = _write(tmp_path, "ok", _minimal())
    assert main([str(out), "--terraform", str(fake)]) == 2
    assert "not the pinned Terraform 1.0.3" in capsys.readouterr().err


def test_terraform_runs_without_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("ARM_CLIENT_SECRET", "do-not-pass")
    monkeypatch.setenv("AZURE_CLIENT_ID", "do-not-pass")
    monkeypatch.setenv("TF_CLI_CONFIG_FILE", "/somewhere/else")
    env = clean_env(str(tmp_path))
    assert not [name for name in env if name.startswith(("ARM_", "AZURE_"))]
    assert env["CHECKPOINT_DISABLE"] == "1" and env["HOME"] == str(tmp_path)
    assert env["TF_CLI_CONFIG_FILE"] != "/somewhere/else"


# --- newer-than-1.0 features: checked, then removed, and nothing else ------------


def _with_newer_features() -> dict:
    doc = _minimal()
    doc["import"] = [
        {"id": "/subscriptions/${var.sub}/resourceGroups/rg-a", "to": "azurerm_resource_group.a"}
    ]
    doc["variable"] = {"sub": {"type": "string"}}
    doc["resource"]["azurerm_resource_group"]["b"]["lifecycle"] = {
        "ignore_changes": ["tags"],
        "prevent_destroy": True,
        "replace_triggered_by": ["${azurerm_resource_group.a}"],
    }
    return doc


def test_strip_removes_only_import_blocks_and_replace_triggered_by() -> None:
    doc = _with_newer_features()
    stripped, removed = strip_newer(doc)
    expected = copy.deepcopy(doc)
    del expected["import"]
    del expected["resource"]["azurerm_resource_group"]["b"]["lifecycle"]["replace_triggered_by"]
    assert stripped == expected, "nothing but the two newer features is removed"
    assert [(r.path, r.min_version) for r in removed] == [
        (("import",), "1.5 (1.6 for an expression in `id`)"),
        (("resource", "azurerm_resource_group", "b", "lifecycle", "replace_triggered_by"), "1.2"),
    ]
    assert doc["import"], "the input is not modified"


def test_newer_features_pass_their_documented_rules(terraform: Path) -> None:
    doc = _with_newer_features()
    assert check_newer(doc) == []
    report = validate_stack("newer", Path("cdk.tf.json"), doc, terraform=terraform)
    assert report.ok, report.lines


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d["import"][0].update(to="azurerm_resource_group.zzz"), "must be the address"),
        (lambda d: d["import"][0].update(to="data.azurerm_client_config.c"), "managed resource"),
        (lambda d: d["import"][0].pop("id"), "exactly one of `id`, `identity`"),
        (lambda d: d["import"][0].update(id=""), "non-empty string"),
        (lambda d: d["import"][0].update(bogus=1), "no argument 'bogus'"),
        (
            lambda d: d["resource"]["azurerm_resource_group"]["b"]["lifecycle"].update(
                replace_triggered_by=["${var.sub}"]
            ),
            "one reference to a managed resource",
        ),
        (
            lambda d: d["resource"]["azurerm_resource_group"]["b"]["lifecycle"].update(
                replace_triggered_by=[
                    "${azurerm_resource_group.a.id}-${azurerm_resource_group.b.id}"
                ]
            ),
            "one reference to a managed resource",
        ),
    ],
)
def test_newer_features_break_their_rules(mutate, expected: str) -> None:
    doc = _with_newer_features()
    mutate(doc)
    messages = [p.message for p in check_newer(doc)]
    assert any(expected in m for m in messages), messages


# --- the pieces -------------------------------------------------------------------


def test_references_in_expressions() -> None:
    assert references("lower(azurerm_x.a.name)") == ["azurerm_x.a"]
    assert references("[for k, v in var.m : v.id if local.z]") == ["var.m", "local.z"]
    assert references('"a${data.t.n.id}b" == 1.5 ? { name = x.y } : null') == ["x.y", "data.t.n"]
    assert references('jsonencode({ "a" = module.m.out[0] })') == ["module.m"]
    assert references("each.value.id") == [] and references("count.index") == []


def test_line_paths_match_pretty_printed_json() -> None:
    doc = _with_newer_features()
    text = json.dumps(doc, indent=2).splitlines()
    paths = line_paths(doc)
    assert len(paths) == len(text)
    for number, path in enumerate(paths):
        if path and isinstance(path[-1], str) and text[number].strip().startswith('"'):
            assert text[number].strip().startswith(json.dumps(path[-1]) + ":"), (number, path)


def test_full_mode_refuses_a_terraform_older_than_1_6(monkeypatch, capsys) -> None:
    """IDKIT_VALIDATE_FULL=1 runs `terraform` from PATH with real providers; the
    1.0 engine cannot do that (no import blocks, no replace_triggered_by)."""
    monkeypatch.setenv("IDKIT_VALIDATE_FULL", "1")
    monkeypatch.setenv("PATH", str(TERRAFORM.parent))
    assert main(["cdktf.out"]) == 2
    assert "needs Terraform >= 1.6 on PATH, found 1.0.3" in capsys.readouterr().err
