"""Output formats, secrets, unknown values, malformed input and exit codes of the plan review."""

import json
from pathlib import Path

import pytest
from azure_identity_kit.review import plan_cli
from azure_identity_kit.review.values import name_is_secret
from review_helpers import CONTAINER, RG, UAI_ID, grant, plan, rc, review, run_main, run_process

FIXTURES = Path(__file__).parent / "fixtures"
FORMATS = ["text", "markdown", "json"]


# --- secrets ---------------------------------------------------------------------------------

SECRET_LITERALS = ["hunter2-ADMIN", "conn-LEAK-STRING", "db-LEAK-PW", "sas-LEAK", "app-LEAK-VALUE"]


def secret_plan() -> dict:
    """Secrets marked by the plan's masks and secrets only recognisable by their names."""
    vm_before = {"name": "vm", "admin_password": "hunter2-OLD", "size": "B2s"}
    vm_after = {"name": "vm", "admin_password": "hunter2-ADMIN", "size": "B4ms"}
    app_after = {
        "name": "web",
        "key_vault_id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.KeyVault/vaults/kv",
        "secret": [
            {
                "name": "kv",
                "key_vault_secret_id": "https://kv.vault.azure.net/secrets/db",
                "identity": UAI_ID,
            },
            {"name": "inline", "value": "app-LEAK-VALUE"},
        ],
        "template": [
            {
                "container": [
                    {
                        "env": [
                            {"name": "DB_PASSWORD", "value": "db-LEAK-PW"},
                            {"name": "LOG_LEVEL", "value": "debug"},
                        ]
                    }
                ]
            }
        ],
        "primary_connection_string": "conn-LEAK-STRING",
        "sas_url": "https://x.blob.core.windows.net/?sig=sas-LEAK",
    }
    return plan(
        rc(
            "azurerm_linux_virtual_machine.vm",
            ["update"],
            vm_before,
            vm_after,
            before_sensitive={"admin_password": True},
            after_sensitive={"admin_password": True},
        ),
        rc("azurerm_container_app.web", ["create"], None, app_after),
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_secret_values_never_printed(tmp_path, fmt):
    result = review(tmp_path, secret_plan(), "--format", fmt)
    assert result.code == 0, result.err
    for literal in SECRET_LITERALS + ["hunter2-OLD"]:
        assert literal not in result.out, f"{literal!r} leaked into {fmt} output"
    assert "(sensitive)" in result.out, f"masked values should read (sensitive) in {fmt}"


@pytest.mark.parametrize("fmt", FORMATS)
def test_ids_and_plain_values_stay_visible(tmp_path, fmt):
    out = review(tmp_path, secret_plan(), "--format", fmt).out
    for visible in ["https://kv.vault.azure.net/secrets/db", "vaults/kv", "debug", "B4ms"]:
        assert visible in out, f"{visible!r} is not a secret and should be shown in {fmt}"


@pytest.mark.parametrize(
    "name",
    [
        "admin_password",
        "client_secret",
        "primary_access_key",
        "sas_token",
        "sas_url",
        "token",
        "primary_connection_string",
        "DB_PASSWORD",
        "api-key",
        "key",
    ],
)
def test_secret_names(name):
    assert name_is_secret(name), f"{name} holds a secret and must be masked"


@pytest.mark.parametrize(
    "name",
    [
        "key_vault_id",
        "key_vault_secret_id",
        "key_vault_key_id",
        "password_secret_name",
        "secret_name",
        "shared_access_key_enabled",
        "admin_enabled",
        "monkey",
        "username",
    ],
)
def test_innocuous_names(name):
    assert not name_is_secret(name), f"{name} is an ID, name or flag and must stay visible"


# --- unknown values and no-ops ---------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_values_print_known_after_apply(tmp_path, fmt):
    doc = plan(
        rc(
            "azurerm_role_assignment.app",
            ["create"],
            None,
            grant("AcrPull", None),
            unknown={"id": True, "scope": True, "principal_id": True},
        )
    )
    out = review(tmp_path, doc, "--format", fmt).out
    assert "(known after apply)" in out, f"unknown values must read (known after apply) in {fmt}"
    assert "null" not in out.split("scope", 1)[1].split("\n", 1)[0], "unknown is not null"


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_op_plan(tmp_path, fmt):
    same = {"name": "rg", "id": RG}
    doc = plan(rc("azurerm_resource_group.rg", ["no-op"], same, same))
    result = review(tmp_path, doc, "--format", fmt, "--fail-on", "low")
    assert result.code == 0, "a no-op plan must pass even --fail-on low"
    if fmt == "json":
        assert result.json()["flags"] == [] and result.json()["changes"] == [], result.out
    else:
        assert "No changes." in result.out, result.out


def test_empty_plan_from_terraform_is_a_no_op(tmp_path):
    doc = {
        "format_version": "1.2",
        "planned_values": {"root_module": {}},
        "configuration": {"root_module": {}},
        "complete": True,
        "errored": False,
    }
    result = review(tmp_path, doc)
    assert (result.code, "No changes." in result.out) == (0, True), result.out + result.err


# --- formats ---------------------------------------------------------------------------------


def test_markdown_has_a_flag_table_highest_first(tmp_path):
    out = review(
        tmp_path, FIXTURES.joinpath("pr_plan.json").read_text(), "--format", "markdown"
    ).out
    assert "| Severity | Resource | Why it matters |" in out, out
    rows = [line for line in out.splitlines() if line.startswith("| **")]
    severities = [row.split("**")[1] for row in rows]
    assert severities and severities == sorted(severities, key=["high", "medium", "low"].index), (
        f"flags must be sorted highest first: {severities}"
    )
    assert "<details><summary>Low-risk changes (3)</summary>" in out, "low flags are folded away"
    assert out.index("| **medium** |") < out.index("Low-risk changes"), "high/medium stay open"


def test_json_output_parses_and_lists_actions(tmp_path):
    result = review(tmp_path, FIXTURES.joinpath("pr_plan.json").read_text(), "--format", "json")
    doc = result.json()
    assert doc["worst"] == "high", doc["flags"]
    actions = {c["address"]: c["action"] for c in doc["changes"]}
    assert actions["azurerm_user_assigned_identity.worker"] == "replace", actions
    assert actions["azurerm_storage_account.data"] == "update", actions


def test_text_output_names_address_and_reason(tmp_path):
    out = review(tmp_path, FIXTURES.joinpath("pr_plan.json").read_text()).out
    assert "azurerm_user_assigned_identity.worker" in out and "replace_because_cannot_update" in out
    assert "[forces replacement]" in out, "replace_paths must be marked on their attribute"


def test_format_from_environment_when_no_flag(tmp_path, monkeypatch):
    monkeypatch.setenv("FORMAT", "json")
    json.loads(review(tmp_path, plan()).out)  # raises if FORMAT was ignored
    assert review(tmp_path, plan(), "--format", "text").out.startswith("Terraform plan"), (
        "the --format flag must win over FORMAT"
    )


# --- FAIL_ON and exit codes ------------------------------------------------------------------

HIGH_PLAN = plan(rc("azurerm_role_assignment.a", ["create"], None, grant("Owner", RG)))
MEDIUM_PLAN = plan(rc("azurerm_role_assignment.a", ["create"], None, grant("Reader", RG)))
LOW_PLAN = plan(rc("azurerm_role_assignment.a", ["create"], None, grant("Reader", CONTAINER)))


@pytest.mark.parametrize(
    ("doc", "fail_on", "code"),
    [
        (HIGH_PLAN, None, 1),
        (HIGH_PLAN, "high", 1),
        (HIGH_PLAN, "none", 0),
        (MEDIUM_PLAN, "high", 0),
        (MEDIUM_PLAN, "medium", 1),
        (LOW_PLAN, "medium", 0),
        (LOW_PLAN, "low", 1),
    ],
)
def test_fail_on(tmp_path, doc, fail_on, code):
    args = ["--fail-on", fail_on] if fail_on else []
    result = review(tmp_path, doc, *args)
    assert result.code == code, f"--fail-on {fail_on}: expected exit {code}, got {result.code}"


def test_fail_on_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("FAIL_ON", "none")
    assert review(tmp_path, HIGH_PLAN).code == 0, "FAIL_ON=none must never fail"


# --- malformed input -------------------------------------------------------------------------

GOOD = json.dumps(HIGH_PLAN)


@pytest.mark.parametrize(
    ("content", "expect"),
    [
        (GOOD[: len(GOOD) // 2], "not valid JSON"),
        ("", "empty file"),
        ("[1, 2]", "not a Terraform plan"),
        ('{"resource_changes": []}', "no format_version"),
        (json.dumps({**HIGH_PLAN, "format_version": "2.0"}), "unsupported plan format_version"),
        (json.dumps({"format_version": "1.0", "values": {}}), "no resource_changes"),
        (json.dumps({**HIGH_PLAN, "resource_changes": [{"address": "a.b"}]}), "malformed plan"),
        (json.dumps({**HIGH_PLAN, "resource_changes": {"a": 1}}), "malformed plan"),
    ],
    ids=["truncated", "empty", "array", "no-version", "version-2", "state", "no-change", "dict"],
)
def test_malformed_input_is_one_line_exit_2(tmp_path, content, expect):
    result = review(tmp_path, content)
    assert result.code == 2, f"expected exit 2, got {result.code}"
    assert result.err.count("\n") == 1 and expect in result.err, f"one clear line: {result.err!r}"
    assert "Traceback" not in result.err and result.out == "", "no traceback, no report"


def test_missing_file_is_exit_2(tmp_path):
    result = run_main(plan_cli.main, [str(tmp_path / "nope.json")])
    assert (result.code, "file not found" in result.err) == (2, True), result.err


def test_bad_config_file_is_exit_2(tmp_path):
    (tmp_path / "cfg.json").write_text('{"resource": []}')
    result = review(tmp_path, HIGH_PLAN, "--config", str(tmp_path / "cfg.json"))
    assert result.code == 2 and "cfg.json" in result.err, result.err


def test_cli_process_prints_no_traceback(tmp_path):
    """A real process: truncated JSON gives exit 2 and one stderr line."""
    path = tmp_path / "plan.json"
    path.write_text(GOOD[:40])
    done = run_process("plan_cli", str(path))
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "Traceback" not in done.stderr, done.stderr


def test_review_needs_no_cdktf():
    """The review reads JSON only: running it must not import cdktf, jsii or the provider."""
    done = run_process("plan_cli", str(FIXTURES / "pr_plan.json"), "--format", "markdown")
    assert done.returncode == 1, f"the fixture has high flags; stderr: {done.stderr}"
    assert "| **high** |" in done.stdout, done.stdout
