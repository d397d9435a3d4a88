"""`make validate` (issues 11 and 21): every synthesized stack, the remote-state
variant and every stack-shaped snapshot load in a real Terraform engine (the
pinned Terraform 1.0.3, SHA-256 checked), plus the reference and cycle checks.
Where ../shared/terraform-plugins exists (always in CI), the stacks, the
remote-state variant and the README's reuse example also go through
`terraform init -plugin-dir` + `terraform validate` with the real azurerm,
azapi and time providers. Broken stacks fail with exit 1 and one clear line
per problem."""

from __future__ import annotations

import copy
import hashlib
import json
import lzma
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NoReturn

import pytest
from azure_identity_kit._cdktf import TOOLCHAIN
from azure_identity_kit.validate import (
    LOADER,
    PROVIDERS,
    Plugins,
    StackReport,
    describe_mode,
    find_stacks,
    line_paths,
    main,
    plugin_run,
    validate_files,
    validate_stack,
)
from azure_identity_kit.validate.engine import (
    _LOCK_HASHES,
    PINNED_SHA256,
    EngineError,
    clean_env,
    pinned_binary,
    sha256_of,
)
from azure_identity_kit.validate.newer import check_newer, strip_newer
from azure_identity_kit.validate.plugins import (
    CACHE_DIR,
    PLUGIN_DIR_ENV,
    PluginDir,
    find_plugins,
    requirements,
    satisfies,
    scan_mirror,
    unpack_shared,
)
from azure_identity_kit.validate.references import _BARE_ADDRESS, declared, references

from stacks import ENVIRONMENTS, build_app
from tools.release.smoke import synth_reuse_example

REPO = Path(__file__).resolve().parent.parent
TERRAFORM = REPO / "tools" / "terraform" / "bin" / "terraform"
# Both toolchains' snapshot sets (tests/conftest.py SNAPSHOT_DIRS), whichever is loaded.
SNAPSHOT_SETS = [REPO / "tests" / "__snapshots__", REPO / "tests" / "__snapshots_cdktn__"]
STATE_VARS = {
    "IDKIT_STATE_STORAGE_ACCOUNT": "stidkitstate01",
    "IDKIT_STATE_CONTAINER": "tfstate",
    "IDKIT_STATE_RESOURCE_GROUP": "rg-idkit-deploy",
}


# The suite checks the shared plugins, whatever the caller's shell names; TF_PLUGIN_DIR
# has its own test (monkeypatched).
os.environ.pop(PLUGIN_DIR_ENV, None)
# What ../shared/terraform-plugins holds (its README): the default toolchain's pins.
SHARED_BUILDS = "azapi 2.4.0, azurerm 4.55.0, time 0.13.1"
REAL_PROVIDERS = f"Terraform 1.0.3 + real providers {SHARED_BUILDS}: init + validate"


@pytest.fixture(scope="session")
def plugins() -> PluginDir:
    """The shared provider plugins, unpacked once into tools/terraform/plugins.
    Absent only on a machine without ../shared: a user's clone, or GitHub (whose
    workflows validate with the registry's providers, IDKIT_VALIDATE_FULL=1).
    The project's CI (.ci/run, CI set) always has it: there a missing folder
    fails instead of skipping the real-provider tests."""
    found, why = find_plugins(REPO)
    if found is None:
        _without_plugins(why)
    return found


def _without_plugins(why: str) -> NoReturn:
    if os.environ.get("CI") and not os.environ.get("GITHUB_ACTIONS"):
        pytest.fail(f"CI runs beside ../shared, but: {why}")
    pytest.skip(f"{why}: the real-provider tests need ../shared/terraform-plugins")


@pytest.fixture(scope="session")
def real(plugins: PluginDir, terraform: Path) -> Iterator[Plugins]:
    """The shared plugins with one `terraform init` per provider set for the session."""
    with plugin_run(plugins, terraform) as run:
        yield run


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


@pytest.mark.parametrize("snapshots", SNAPSHOT_SETS, ids=lambda path: path.name)
def test_every_stack_shaped_snapshot_loads(terraform: Path, snapshots: Path) -> None:
    """The loader only: the snapshots' test inputs use placeholder IDs (a tenant `t`,
    a plan `/subscriptions/0/...`) that the providers' validators rightly refuse."""
    files = sorted(snapshots.rglob("*.json"))
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


def _run_gate(
    out: Path, capsys: pytest.CaptureFixture, *, plugins: bool = False
) -> tuple[int, list[str]]:
    """The CLI; in loader mode (the reference checks alone) unless `plugins`."""
    mode = [] if plugins else ["--no-plugins"]
    code = main([str(out), "--terraform", str(TERRAFORM), *mode])
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
        [sys.executable, "-m", "azure_identity_kit.validate", str(out), "--terraform", TERRAFORM]
        + ["--no-plugins"],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 2 and all(line.startswith("two-problems: ") for line in lines), lines
    assert "validate (Terraform 1.0.3 load + reference checks; provider plugins not used" in (
        result.stderr
    )
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


def test_clean_env_passes_a_plugin_cache_only_to_full_mode(monkeypatch, tmp_path) -> None:
    """With -plugin-dir a cache would only receive a copy of 500 MB of plugins."""
    monkeypatch.setenv("TF_PLUGIN_CACHE_DIR", str(tmp_path / "cache"))
    assert "TF_PLUGIN_CACHE_DIR" not in clean_env(str(tmp_path))
    assert clean_env(str(tmp_path), plugin_cache=True)["TF_PLUGIN_CACHE_DIR"] == str(
        tmp_path / "cache"
    )


# --- the real providers (../shared/terraform-plugins) ------------------------------


def _assert_real_providers_or_fallback(reports: list[StackReport]) -> None:
    """cdktf stacks pin the shared builds' versions: init + validate with them.
    cdktn stacks pin azurerm 5.x: each says so and gets the loader, not a failure."""
    _assert_all_pass(reports)
    if TOOLCHAIN == "cdktf":
        assert [r.mode for r in reports] == [PROVIDERS] * len(reports), [r.note for r in reports]
    else:
        assert [r.mode for r in reports] == [LOADER] * len(reports)
        for report in reports:
            assert report.note and report.note.startswith("needs "), report.note
            assert "azurerm 5.10.0" in report.note.split(", not in ")[0], report.note
            assert "not in ../shared/terraform-plugins" in report.note, report.note


def test_every_stack_validates_with_the_real_providers(
    synth_outdir: Path, terraform: Path, real: Plugins
) -> None:
    stacks = find_stacks([str(synth_outdir)])
    assert len(stacks) == len(ENVIRONMENTS) + 1
    _assert_real_providers_or_fallback(validate_files(stacks, terraform, plugins=real))


def test_remote_state_variant_validates_with_the_real_providers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, terraform: Path, real: Plugins
) -> None:
    for name, value in STATE_VARS.items():
        monkeypatch.setenv(name, value)
    build_app(outdir=str(tmp_path)).synth()
    reports = validate_files(find_stacks([str(tmp_path)]), terraform, plugins=real)
    _assert_real_providers_or_fallback(reports)
    for report in reports:
        if report.name in ENVIRONMENTS:  # checked by newer.py, then removed for 1.0
            assert [x.feature for x in report.removed] == ["import blocks"]


def test_readme_reuse_example_validates_with_the_real_providers(
    tmp_path: Path, terraform: Path, real: Plugins
) -> None:
    stack_file = synth_reuse_example(REPO / "README.md", tmp_path)
    doc = json.loads(stack_file.read_text())
    assert "azurerm_container_app" in doc["resource"], "the example's app is in the stack"
    assert len(doc["resource"]["azurerm_role_assignment"]) == 3, "AcrPull + the two grants"
    _assert_all_pass(validate_files([("readme", stack_file)], terraform))
    _assert_real_providers_or_fallback(
        validate_files([("readme", stack_file)], terraform, plugins=real)
    )


# What only the providers know: the loader passes each of these, the plugins refuse
# them with the provider's own message.
PROVIDER_ONLY_PROBLEMS = {
    "attribute-name": (
        lambda d: d["resource"]["azurerm_resource_group"]["a"].update(locaton="westeurope"),
        '[terraform Extraneous JSON object property] No argument or block type is named "locaton".',
        "locaton",
    ),
    "tenant-guid": (
        lambda d: d["resource"].update(
            azurerm_key_vault={
                "vault": {
                    "location": "westeurope",
                    "name": "kv-a",
                    "resource_group_name": "${azurerm_resource_group.a.name}",
                    "sku_name": "standard",
                    "tenant_id": "contoso",
                }
            }
        ),
        '[terraform] expected "tenant_id" to be a valid UUID, got contoso',
        "tenant_id",
    ),
    "principal-type-enum": (
        lambda d: d["resource"].update(
            azurerm_role_assignment={
                "grant": {
                    "principal_id": "11111111-1111-1111-1111-111111111111",
                    "principal_type": "ManagedIdentity",
                    "role_definition_name": "Reader",
                    "scope": "${azurerm_resource_group.a.id}",
                }
            }
        ),
        '[terraform] expected principal_type to be one of ["User" "Group" "ServicePrincipal"], '
        "got ManagedIdentity",
        "principal_type",
    ),
    "required-argument": (
        lambda d: d["resource"].update(
            azurerm_user_assigned_identity={"id": {"location": "westeurope", "name": "id-a"}}
        ),
        '[terraform Missing required argument] The argument "resource_group_name" is required, '
        "but no definition was found.",
        None,
    ),
}


def test_the_real_providers_refuse_what_the_loader_lets_through(
    tmp_path: Path, terraform: Path, real: Plugins
) -> None:
    files = {}
    for name, (mutate, _, _) in PROVIDER_ONLY_PROBLEMS.items():
        doc = _minimal()
        mutate(doc)
        files[name] = _write(tmp_path, name, doc) / "stacks" / name / "cdk.tf.json"
    loader = validate_files(list(files.items()), terraform)
    assert [(r.mode, r.lines) for r in loader] == [(LOADER, [])] * len(files)
    checked = validate_files(list(files.items()), terraform, plugins=real)
    for report, (_, message, key) in zip(checked, PROVIDER_ONLY_PROBLEMS.values(), strict=True):
        assert report.mode == PROVIDERS
        assert len(report.lines) == 1 and report.lines[0].endswith(message), report.lines
        if key is not None:  # the line of the offending attribute in the file on disk
            text = report.file.read_text().splitlines()
            line = next(n for n, t in enumerate(text, start=1) if f'"{key}"' in t)
            assert report.lines[0].startswith(f"{report.name}: {report.file}:{line}: ")


def test_with_plugins_terraform_agrees_with_the_reference_checks(
    tmp_path: Path, terraform: Path, real: Plugins
) -> None:
    """The undeclared reference and the cycle references.py finds offline are
    what terraform validate itself reports once providers are loaded."""
    undeclared = _minimal()
    undeclared["resource"]["azurerm_resource_group"]["b"]["tags"] = {
        "peer": "${azurerm_resource_group.missing.name}"
    }
    _write(tmp_path, "undeclared", undeclared)
    cycle = _minimal()
    groups = cycle["resource"]["azurerm_resource_group"]
    groups["a"]["tags"] = {"peer": "${azurerm_resource_group.b.name}"}
    groups["b"]["depends_on"] = ["azurerm_resource_group.a"]
    stacks = find_stacks([str(_write(tmp_path, "cycle", cycle))])
    reports = validate_files(stacks, terraform, plugins=real)
    lines = [line for report in reports for line in report.lines]
    assert [line.split(": [", 1)[1].split("]")[0] for line in lines] == [
        "terraform",
        "dependency-cycle",
        "terraform Reference to undeclared resource",
        "undeclared-reference",
    ], lines
    assert "Cycle: azurerm_resource_group." in lines[0]
    assert 'resource "azurerm_resource_group" "missing" has not been declared' in lines[2]


def _time_stack(duration: str) -> dict:
    """A stack with a time_sleep of hashicorp/time 0.13.1 (the provider the stacks
    will use to wait for role assignments to replicate)."""
    doc = _minimal()
    doc["resource"]["time_sleep"] = {
        "wait": {
            "create_duration": duration,
            "triggers": {"group": "${azurerm_resource_group.a.id}"},
        }
    }
    doc["terraform"]["required_providers"]["time"] = {
        "source": "hashicorp/time",
        "version": "0.13.1",
    }
    return doc


def test_time_provider_is_initialized_from_required_providers(
    tmp_path: Path, terraform: Path, real: Plugins
) -> None:
    assert [str(r) for r in requirements(_time_stack("30s"))] == [
        "azurerm 4.55.0",
        "time 0.13.1",
    ]
    good = _write(tmp_path / "good", "sleep", _time_stack("30s"))
    bad = _write(tmp_path / "bad", "sleep", _time_stack("30 seconds"))
    (passed,) = validate_files(find_stacks([str(good)]), terraform, plugins=real)
    assert passed.mode == PROVIDERS and passed.ok, passed.lines
    (failed,) = validate_files(find_stacks([str(bad)]), terraform, plugins=real)
    assert failed.mode == PROVIDERS and len(failed.lines) == 1, failed.lines
    assert (
        "[terraform Invalid Attribute Value Match] Attribute create_duration must be"
        in (failed.lines[0])
    ), "the time provider's own validator ran"


def test_cli_says_which_mode_ran(tmp_path: Path, plugins: PluginDir, capsys) -> None:
    out = _write(tmp_path / "one", "ok", _minimal())
    assert main([str(out), "--terraform", str(TERRAFORM)]) == 0
    err = capsys.readouterr().err
    assert f"validate ({REAL_PROVIDERS}): 1 of 1 stacks passed" in err, err
    # A stack pinning versions the plugins do not have (as cdktn's do): said, then the loader.
    newer = _minimal()
    newer["terraform"]["required_providers"]["azurerm"]["version"] = "5.10.0"
    out = _write(tmp_path / "two", "ok", _minimal())
    _write(tmp_path / "two", "newer", newer)
    assert main([str(out), "--terraform", str(TERRAFORM)]) == 0
    err = capsys.readouterr().err
    assert (
        "validate: newer: loader mode only: needs azurerm 5.10.0, not in "
        f"../shared/terraform-plugins ({SHARED_BUILDS})"
    ) in err, err
    assert (
        f"validate ({REAL_PROVIDERS} on 1 stacks, load + reference checks on 1 (their providers "
        "are not in ../shared/terraform-plugins)): 2 of 2 stacks passed"
    ) in err, err


def test_mode_descriptions(plugins: PluginDir) -> None:
    def reports(*modes: str) -> list[StackReport]:
        return [StackReport(f"s{i}", Path("x"), mode=mode) for i, mode in enumerate(modes)]

    assert describe_mode(reports(PROVIDERS, PROVIDERS), plugins, "") == REAL_PROVIDERS
    assert describe_mode(reports(LOADER), None, "no provider plugins (why)") == (
        "Terraform 1.0.3 load + reference checks; no provider plugins (why)"
    )
    assert describe_mode(reports(LOADER, LOADER), plugins, "") == (
        "Terraform 1.0.3 load + reference checks; the real providers in "
        f"../shared/terraform-plugins ({SHARED_BUILDS}) are not the versions the stacks require"
    )


def test_without_plugins_the_gate_keeps_the_loader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A user's clone has no ../shared: the loader mode, and it says so."""
    monkeypatch.delenv(PLUGIN_DIR_ENV, raising=False)
    clone = tmp_path / "clone"
    out = _write(clone, "ok", _minimal())
    result = subprocess.run(
        [sys.executable, "-m", "azure_identity_kit.validate", str(out), "--terraform", TERRAFORM],
        capture_output=True,
        text=True,
        cwd=clone,
    )
    assert result.returncode == 0, result.stderr
    assert (
        "validate (Terraform 1.0.3 load + reference checks; no provider plugins "
        "(../shared/terraform-plugins absent, TF_PLUGIN_DIR unset)): 1 of 1 stacks passed"
    ) in result.stderr
    assert not (clone / CACHE_DIR).exists()


@pytest.mark.parametrize(
    ("env", "outcome"),
    [
        ({}, pytest.skip.Exception),
        ({"CI": "1"}, pytest.fail.Exception),
        ({"CI": "true", "GITHUB_ACTIONS": "true"}, pytest.skip.Exception),
    ],
    ids=["user", "project-ci", "github"],
)
def test_missing_plugins_skip_except_in_the_projects_ci(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], outcome: type[BaseException]
) -> None:
    for name in ("CI", "GITHUB_ACTIONS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(outcome, match="no provider plugins"):
        _without_plugins("no provider plugins (../shared/terraform-plugins absent)")


def test_tf_plugin_dir_names_an_unpacked_plugin_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, plugins: PluginDir, capsys
) -> None:
    monkeypatch.setenv(PLUGIN_DIR_ENV, str(plugins.path))
    found, origin = find_plugins(tmp_path)
    assert found is not None and found.path == plugins.path and found.describe() == SHARED_BUILDS
    assert origin == found.origin == f"{PLUGIN_DIR_ENV}={plugins.path}"
    assert not (tmp_path / CACHE_DIR).exists(), "a plugin directory is used as it is"
    monkeypatch.setenv(PLUGIN_DIR_ENV, str(tmp_path / "nowhere"))
    assert main([str(_write(tmp_path, "ok", _minimal())), "--terraform", str(TERRAFORM)]) == 2
    assert f"validate: {PLUGIN_DIR_ENV}={tmp_path / 'nowhere'} is not a directory" in (
        capsys.readouterr().err
    )


# --- the plugin directory: layouts, unpacking, versions ---------------------------


def _fake_shared(folder: Path, payload: bytes) -> Path:
    """A shared-style folder: one .xz build filed as a mirror, and its SHA256SUMS."""
    build = folder / "example.test" / "acme" / "thing" / "1.2.3" / "linux_amd64"
    build.mkdir(parents=True)
    (build / "terraform-provider-thing_v1.2.3.xz").write_bytes(lzma.compress(payload))
    digest = hashlib.sha256(payload).hexdigest()
    (folder / "SHA256SUMS").write_text(f"{digest}  terraform-provider-thing_v1.2.3\n")
    return folder


def test_shared_folder_is_unpacked_once_and_checked_every_time(tmp_path: Path) -> None:
    shared = _fake_shared(tmp_path / "shared", b"#!/bin/sh\n")
    cache = tmp_path / "cache"
    (cache / "0123456789abcdef").mkdir(parents=True)  # an older SHA256SUMS's builds
    logged: list[str] = []

    def slow_log(message: str) -> None:  # the first run is still unpacking when the second asks
        logged.append(message)
        time.sleep(0.3)

    with ThreadPoolExecutor(max_workers=2) as pool:  # two runs at once unpack once
        mirrors = list(pool.map(lambda _: unpack_shared(shared, cache, slow_log), "ab"))
    mirror = mirrors[0]
    assert mirrors[1] == mirror and len(logged) == 1, logged
    assert sorted(p.name for p in cache.iterdir()) == [".lock", mirror.name], "old builds go"
    binary = mirror / "example.test/acme/thing/1.2.3/linux_amd64/terraform-provider-thing_v1.2.3"
    assert binary.read_bytes() == b"#!/bin/sh\n" and os.access(binary, os.X_OK)
    assert mirror.parent == cache.resolve() and len(mirror.name) == 16, "keyed by SHA256SUMS"
    assert unpack_shared(shared, cache, logged.append) == mirror and len(logged) == 1, "cached"
    binary.write_bytes(b"tampered")
    assert unpack_shared(shared, cache, logged.append) == mirror and len(logged) == 2, "redone"
    assert binary.read_bytes() == b"#!/bin/sh\n"
    bad = _fake_shared(tmp_path / "bad", b"one")
    (bad / "SHA256SUMS").write_text(f"{hashlib.sha256(b'two').hexdigest()}  ")
    with pytest.raises(EngineError, match="SHA256SUMS"):
        unpack_shared(bad, tmp_path / "cache2")
    (bad / "SHA256SUMS").write_text(
        f"{hashlib.sha256(b'two').hexdigest()}  terraform-provider-thing_v1.2.3\n"
    )
    with pytest.raises(EngineError, match="unpacks to SHA-256"):
        unpack_shared(bad, tmp_path / "cache2")


def test_stack_lock_files_leave_out_the_hashes_init_computed() -> None:
    """Terraform 1.0 re-hashes every locked plugin (500 MB) in each validate."""
    lock = (
        '# This file is maintained automatically by "terraform init".\n\n'
        'provider "example.test/azure/azapi" {\n  version     = "2.4.0"\n'
        '  constraints = "2.4.0"\n  hashes = [\n    "h1:RAkZ=",\n  ]\n}\n\n'
        'provider "example.test/hashicorp/time" {\n  version = "0.13.1"\n'
        '  hashes  = ["h1:x=", "zh:y"]\n}\n'
    )
    stripped = _LOCK_HASHES.sub("", lock)
    assert "h1:" not in stripped and "zh:" not in stripped and "hashes" not in stripped
    assert stripped.count("provider ") == 2 and 'version     = "2.4.0"' in stripped
    assert stripped.count("{") == stripped.count("}") == 2


def test_mirror_layouts_unpacked_and_packed(tmp_path: Path) -> None:
    unpacked = tmp_path / "h.test" / "hashicorp" / "azurerm" / "4.55.0" / "linux_amd64"
    unpacked.mkdir(parents=True)
    (unpacked / "terraform-provider-azurerm_v4.55.0_x5").write_text("")
    (tmp_path / "h.test" / "hashicorp" / "azurerm" / "4.1.0" / "darwin_arm64").mkdir(parents=True)
    packed = tmp_path / "h.test" / "azure" / "azapi"
    packed.mkdir(parents=True)
    (packed / "terraform-provider-azapi_2.4.0_linux_amd64.zip").write_text("")
    (packed / "terraform-provider-azapi_2.5.0_windows_amd64.zip").write_text("")
    builds = scan_mirror(tmp_path, "linux_amd64")
    assert [str(b) for b in builds] == ["azapi 2.4.0", "azurerm 4.55.0"]
    directory = PluginDir(tmp_path, "test", tuple(builds))
    doc = _minimal()
    doc["terraform"]["required_providers"]["azapi"] = {"source": "Azure/azapi", "version": "2.4.0"}
    assert directory.missing(requirements(doc)) == []
    doc["terraform"]["required_providers"]["azapi"]["version"] = "2.13.0"
    assert [str(r) for r in directory.missing(requirements(doc))] == ["azapi 2.13.0"]
    doc["terraform"]["required_providers"]["azapi"]["source"] = "other.test/azure/azapi"
    doc["terraform"]["required_providers"]["azapi"]["version"] = "2.4.0"
    assert [r.source for r in directory.missing(requirements(doc))] == ["other.test/azure/azapi"]


def test_requirements_include_implied_providers() -> None:
    doc = _minimal()
    doc["resource"]["random_id"] = {"x": {"byte_length": 4}}
    doc["data"] = {"terraform_remote_state": {"s": {"backend": "local"}}}
    doc["resource"]["azurerm_resource_group"]["b"]["provider"] = "azurerm.other"
    found = {r.name: (r.source, r.constraint) for r in requirements(doc)}
    assert found == {
        "azurerm": ("hashicorp/azurerm", "4.55.0"),
        "random": ("hashicorp/random", None),
    }, "terraform_remote_state is built in"


@pytest.mark.parametrize(
    ("version", "constraint", "expected"),
    [
        ("4.55.0", "4.55.0", True),
        ("4.55.0", "= 4.55.0", True),
        ("4.55.0", "4.55.1", False),
        ("4.55.0", None, True),
        ("4.55.0", "~> 4.55", True),
        ("4.55.0", "~> 4.0", True),
        ("5.0.0", "~> 4.0", False),
        ("4.55.0", "~> 4.54.0", False),
        ("4.54.7", "~> 4.54.0", True),
        ("4.55.0", ">= 4.0, < 5.0", True),
        ("4.55.0", ">= 4.0, != 4.55.0", False),
        ("5.10.0", ">= 4.0, < 5.0", False),
        ("2.4.0-beta1", ">= 2.0", False),
        ("2.4.0-beta1", "2.4.0-beta1", True),
        ("4.55.0", "latest", False),
    ],
)
def test_version_constraints(version: str, constraint: str | None, expected: bool) -> None:
    assert satisfies(version, constraint) is expected


def test_guardrails_exemptions_and_subscription_scope_validate_with_the_real_providers(
    tmp_path: Path, terraform: Path, real: Plugins
) -> None:
    """Issue 23: the bootstrap with an exemption from environments.toml, and guardrails on a
    subscription (the other assignment type), through the real azurerm provider."""
    from datetime import date, timedelta

    from azure_identity_kit import (
        PolicyExemption,
        PolicyExemptionProps,
        PolicyScope,
        SecretFreeGuardrails,
        SecretFreeGuardrailsProps,
    )
    from azure_identity_kit._cdktf import TerraformStack
    from azure_identity_kit.azurerm import provider
    from support import settings_file

    from stacks import load_settings

    path = settings_file(tmp_path)
    path.write_text(
        path.read_text() + "\n[[environments.prod.policy_exemptions]]\n"
        'policy = "key-vault-rbac"\n'
        'resource = "Microsoft.KeyVault/vaults/kv-legacy"\n'
        'reason = "A vendor appliance reads this vault with an access policy until May."\n'
        f"expires_on = {(date.today() + timedelta(days=30)).isoformat()}\n"
    )
    app = build_app(["bootstrap"], outdir=str(tmp_path / "out"), settings=load_settings(path))
    stack = TerraformStack(app, "subscription")
    provider.AzurermProvider(stack, "azurerm", features=[provider.AzurermProviderFeatures()])
    subscription = "/subscriptions/00000000-0000-0000-0000-000000000001"
    guardrails = SecretFreeGuardrails(
        stack,
        "guardrails",
        SecretFreeGuardrailsProps(scope=PolicyScope.subscription(subscription), enforce=False),
    )
    PolicyExemption(
        stack,
        "exemption",
        PolicyExemptionProps(
            guardrails=guardrails,
            policy="storage-shared-key",
            resource_id=f"{subscription}/resourceGroups/rg-x/providers/Microsoft.Storage/"
            "storageAccounts/stlegacy",
            reason="The legacy SFTP ingest signs with the account key until its migration.",
            expires_on=date.today() + timedelta(days=30),
        ),
    )
    app.synth()
    stacks = find_stacks([str(tmp_path / "out")])
    assert sorted(name for name, _ in stacks) == ["bootstrap", "subscription"]
    docs = {name: json.loads(file.read_text()) for name, file in stacks}
    assert "azurerm_resource_policy_exemption" in docs["bootstrap"]["resource"]
    assert "azurerm_subscription_policy_assignment" in docs["subscription"]["resource"]
    _assert_real_providers_or_fallback(validate_files(stacks, terraform, plugins=real))
