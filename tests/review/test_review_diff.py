"""The synth diff over small hand-written cdk.tf.json stacks, and the git worktree mode."""

import json
import os
import subprocess
import textwrap
from pathlib import Path

import pytest
from azure_identity_kit.review import diff_cli
from review_helpers import diff, run_main, run_process, stack

UAI = {"name": "id-web", "location": "westeurope", "resource_group_name": "rg-app"}
APP = {
    "name": "web",
    "identity": {
        "type": "UserAssigned",
        "identity_ids": ["${azurerm_user_assigned_identity.web.id}"],
    },
    "registry": [
        {"server": "acrapp.azurecr.io", "identity": "${azurerm_user_assigned_identity.web.id}"}
    ],
}
CONTAINER_SCOPE = "${azurerm_storage_container.uploads.resource_manager_id}"


def reader(scope: str = CONTAINER_SCOPE, role: str = "Storage Blob Data Reader") -> dict:
    return {
        "principal_id": "${azurerm_user_assigned_identity.web.principal_id}",
        "role_definition_name": role,
        "scope": scope,
    }


def base_resources(**extra) -> dict:
    return {
        "azurerm_user_assigned_identity": {"web": UAI},
        "azurerm_container_app": {"web": APP},
        **extra,
    }


def assert_flag(result, severity, rule, address):
    assert (rule, address) in result.rules(severity), (
        f"expected a {severity} {rule} flag on {address}, got {sorted(result.rules())}"
    )


def run(tmp_path, base, head, *args):
    result = diff(tmp_path, {"app": stack(base)}, {"app": stack(head)}, "--format", "json", *args)
    assert result.code == 0, f"diff defaults to --fail-on none, got {result.code}: {result.err}"
    return result


def test_added_narrow_grant_is_a_low_create(tmp_path):
    head = base_resources(azurerm_role_assignment={"web_reader": reader()})
    result = run(tmp_path, base_resources(), head)
    changes = {c["address"]: c["action"] for c in result.json()["changes"]}
    assert changes == {"azurerm_role_assignment.web_reader": "create"}, changes
    assert result.rules() == {("narrow-grant", "azurerm_role_assignment.web_reader")}, (
        result.rules()
    )
    message = result.json()["flags"][0]["message"]
    assert "Storage Blob Data Reader at sub-resource" in message, message


def test_added_contributor_grant_is_high(tmp_path):
    grant = reader("${azurerm_resource_group.app.id}", "Contributor")
    result = run(tmp_path, base_resources(), base_resources(azurerm_role_assignment={"ci": grant}))
    assert_flag(result, "high", "privileged-role", "azurerm_role_assignment.ci")


def test_owner_through_role_definition_data_source_is_high(tmp_path):
    grant = {**reader(), "role_definition_id": "${data.azurerm_role_definition.owner.id}"}
    del grant["role_definition_name"]
    head = stack(
        base_resources(azurerm_role_assignment={"boss": grant}),
        data={"azurerm_role_definition": {"owner": {"name": "Owner"}}},
    )
    result = diff(tmp_path, {"app": stack(base_resources())}, {"app": head}, "--format", "json")
    assert_flag(result, "high", "privileged-role", "azurerm_role_assignment.boss")


def test_scope_widened_from_container_to_resource_group_is_high(tmp_path):
    base = base_resources(azurerm_role_assignment={"web_reader": reader()})
    head = base_resources(
        azurerm_role_assignment={"web_reader": reader("${azurerm_resource_group.app.id}")}
    )
    result = run(tmp_path, base, head)
    assert_flag(result, "high", "scope-broader", "azurerm_role_assignment.web_reader")
    change = result.json()["changes"][0]
    assert change["action"] == "replace", "azurerm replaces role assignments on any change"
    assert change["attributes"] == [
        {
            "path": "scope",
            "before": CONTAINER_SCOPE,
            "after": "${azurerm_resource_group.app.id}",
            "forces_replacement": True,
        }
    ], change["attributes"]


def test_renamed_construct_without_moved_block_is_medium(tmp_path):
    base = base_resources(azurerm_storage_account={"data": {"name": "stapp", "location": "we"}})
    head = base_resources(azurerm_storage_account={"data2": {"name": "stapp", "location": "we"}})
    result = run(tmp_path, base, head)
    assert_flag(result, "medium", "moved-without-block", "azurerm_storage_account.data2")
    change = result.json()["changes"][0]
    assert change["previous_address"] == "azurerm_storage_account.data", change
    assert change["moved_block"] is False and change["action"] == "replace", change
    text = diff(tmp_path / "t", {"app": stack(base)}, {"app": stack(head)}).out
    assert "moved from azurerm_storage_account.data (no `moved` block → destroy and create)" in text


def test_renamed_construct_with_moved_block_is_only_low(tmp_path):
    base = base_resources(azurerm_storage_account={"data": {"name": "stapp"}})
    head = stack(
        base_resources(azurerm_storage_account={"data2": {"name": "stapp"}}),
        moved={"azurerm_storage_account.data": "azurerm_storage_account.data2"},
    )
    result = diff(tmp_path, {"app": stack(base)}, {"app": head}, "--format", "json")
    assert result.rules() == {("moved", "azurerm_storage_account.data2")}, result.rules()


def test_renamed_identity_follows_references_and_is_high(tmp_path):
    """Renaming the identity also rewrites the app's references: both are one move each."""
    base = base_resources()
    renamed_app = json.loads(json.dumps(APP).replace(".web.id", ".web2.id"))
    head = {
        "azurerm_user_assigned_identity": {"web2": UAI},
        "azurerm_container_app": {"web": renamed_app},
    }
    result = run(tmp_path, base, head)
    uai = "azurerm_user_assigned_identity.web2"
    assert_flag(result, "medium", "moved-without-block", uai)
    assert_flag(result, "high", "user-identity-in-use", uai)
    assert_flag(result, "medium", "stateful-replaced", uai)


def test_removed_identity_still_referenced_is_high(tmp_path):
    head = {"azurerm_container_app": {"web": APP}}
    result = run(tmp_path, base_resources(), head)
    assert_flag(result, "high", "user-identity-in-use", "azurerm_user_assigned_identity.web")


def test_removed_resource_with_prevent_destroy_is_high(tmp_path):
    vault = {"name": "kv-app", "lifecycle": {"prevent_destroy": True}}
    result = run(tmp_path, base_resources(azurerm_key_vault={"main": vault}), base_resources())
    assert_flag(result, "high", "prevent-destroy", "azurerm_key_vault.main")
    assert_flag(result, "medium", "stateful-deleted", "azurerm_key_vault.main")


def test_system_identity_removed_is_high(tmp_path):
    acr = {"name": "acrapp", "sku": "Basic"}
    base = base_resources(
        azurerm_container_registry={"acr": {**acr, "identity": {"type": "SystemAssigned"}}}
    )
    result = run(tmp_path, base, base_resources(azurerm_container_registry={"acr": acr}))
    assert_flag(result, "high", "system-identity-removed", "azurerm_container_registry.acr")


def test_location_change_is_a_likely_replacement(tmp_path):
    acr = {"name": "acrapp", "location": "westeurope", "identity": {"type": "SystemAssigned"}}
    base = base_resources(azurerm_container_registry={"acr": acr})
    head = base_resources(azurerm_container_registry={"acr": {**acr, "location": "northeurope"}})
    result = run(tmp_path, base, head)
    assert_flag(result, "high", "system-identity-replaced", "azurerm_container_registry.acr")
    assert "likely replaced" in result.json()["changes"][0]["reason"], result.json()["changes"]


def test_registry_identity_to_password_is_high(tmp_path):
    app = {
        **APP,
        "registry": [
            {"server": "acrapp.azurecr.io", "username": "acr", "password_secret_name": "acr-pw"}
        ],
    }
    result = run(tmp_path, base_resources(), base_resources(azurerm_container_app={"web": app}))
    assert_flag(result, "high", "pull-password", "azurerm_container_app.web")


def test_metadata_and_depends_on_order_are_not_changes(tmp_path):
    base = stack(
        base_resources(azurerm_storage_account={"d": {"name": "s", "depends_on": ["a.b", "c.d"]}})
    )
    head = json.loads(json.dumps(base).replace('"uniqueId": "d"', '"uniqueId": "d_1234"'))
    head["resource"]["azurerm_storage_account"]["d"]["depends_on"] = ["c.d", "a.b"]
    head["//"]["metadata"]["version"] = "0.21.1"
    result = diff(tmp_path, {"app": base}, {"app": head}, "--format", "json")
    assert result.json()["changes"] == [] and result.json()["flags"] == [], result.out


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_secrets_in_synthesized_json_are_masked(tmp_path, fmt):
    app = {
        **APP,
        "secret": [{"name": "inline", "value": "LEAK-INLINE"}],
        "template": {"container": [{"env": [{"name": "API_KEY", "value": "LEAK-ENV"}]}]},
        "app_settings": {"DB_PASSWORD": "LEAK-SETTING"},
    }
    result = diff(
        tmp_path,
        {"app": stack(base_resources())},
        {"app": stack(base_resources(azurerm_container_app={"web": app}))},
        "--format",
        fmt,
    )
    for literal in ("LEAK-INLINE", "LEAK-ENV", "LEAK-SETTING"):
        assert literal not in result.out, f"{literal} leaked into {fmt} output"
    assert "(sensitive)" in result.out, f"expected (sensitive) placeholders in {fmt}"


def test_stacks_added_and_removed(tmp_path):
    old = {
        "app": stack(base_resources()),
        "legacy": stack({"azurerm_resource_group": {"rg": {"name": "x"}}}),
    }
    new = {
        "app": stack(base_resources()),
        "fresh": stack({"azurerm_resource_group": {"rg": {"name": "y"}}}),
    }
    doc = diff(tmp_path, old, new, "--format", "json").json()
    assert (doc["stacks_added"], doc["stacks_removed"]) == (["fresh"], ["legacy"]), doc
    assert ("stack-removed", "stack legacy") in {(f["rule"], f["address"]) for f in doc["flags"]}
    assert [c["stack"] for c in doc["changes"]] == ["fresh"], "a new stack's resources are creates"


def test_markdown_lists_stack_column(tmp_path):
    head = base_resources(
        azurerm_role_assignment={"ci": reader("${azurerm_resource_group.app.id}", "Owner")}
    )
    out = diff(
        tmp_path, {"app": stack(base_resources())}, {"app": stack(head)}, "--format", "markdown"
    ).out
    assert "| Severity | Stack | Resource | Why it matters |" in out, out
    assert "| **high** | app | `azurerm_role_assignment.ci` |" in out, out


def test_fail_on_applies_to_diff(tmp_path):
    head = base_resources(
        azurerm_role_assignment={"ci": reader("${azurerm_resource_group.app.id}", "Owner")}
    )
    result = diff(
        tmp_path, {"app": stack(base_resources())}, {"app": stack(head)}, "--fail-on", "high"
    )
    assert result.code == 1, "a high flag with --fail-on high must exit 1"


@pytest.mark.parametrize(
    "args", [["--base-dir", "x"], ["--base", "HEAD", "--base-dir", "a", "--head-dir", "b"]]
)
def test_bad_arguments_exit_2(tmp_path, args):
    assert run_main(diff_cli.main, args).code == 2, f"{args} must be rejected"


def test_malformed_stack_json_exit_2(tmp_path):
    (tmp_path / "b" / "stacks" / "app").mkdir(parents=True)
    (tmp_path / "b" / "stacks" / "app" / "cdk.tf.json").write_text('{"resource": {')
    (tmp_path / "h").mkdir()
    result = run_main(
        diff_cli.main, ["--base-dir", str(tmp_path / "b"), "--head-dir", str(tmp_path / "h")]
    )
    assert result.code == 2 and "not valid JSON" in result.err, result.err
    assert result.err.count("\n") == 1 and "Traceback" not in result.err, result.err


# --- git worktree mode -----------------------------------------------------------------------

MAIN_PY = textwrap.dedent(
    '''
    """Writes one stack like cdktf would; the role comes from this tree's own package."""
    import json, os, pathlib
    import fakekit

    out = pathlib.Path(os.environ["CDKTF_OUTDIR"]) / "stacks" / "app"
    out.mkdir(parents=True)
    grant = {"principal_id": "p", "role_definition_name": fakekit.ROLE, "scope": "/subscriptions/s"}
    doc = {"resource": {"azurerm_role_assignment": {"ci": grant}}}
    (out / "cdk.tf.json").write_text(json.dumps(doc))
    '''
)


def git(repo: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    return subprocess.run(
        ["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture
def repo(tmp_path) -> Path:
    repo = tmp_path / "repo"
    (repo / "constructs" / "fakekit").mkdir(parents=True)
    git(repo, "init", "-q", "-b", "trunk")
    (repo / "main.py").write_text(MAIN_PY)
    (repo / "constructs" / "fakekit" / "__init__.py").write_text('ROLE = "Reader"\n')
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "base")
    (repo / "constructs" / "fakekit" / "__init__.py").write_text('ROLE = "Owner"\n')
    return repo


def run_cli(repo: Path, *args: str) -> subprocess.CompletedProcess:
    return run_process("diff_cli", "--format", "json", *args, cwd=repo)


def test_diff_synthesizes_working_tree_against_base_worktree(repo):
    status_before = git(repo, "status", "--porcelain")
    done = run_cli(repo)  # no main branch: base falls back to HEAD
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    change = doc["changes"][0]
    assert change["attributes"][0]["before"] == "Reader", (
        "base must use the base's own package code"
    )
    assert change["attributes"][0]["after"] == "Owner", "head must use the working tree's code"
    assert ("privileged-role", "azurerm_role_assignment.ci") in {
        (f["rule"], f["address"]) for f in doc["flags"]
    }, doc["flags"]
    assert git(repo, "worktree", "list").count("\n") == 1, "the base worktree must be removed"
    assert git(repo, "status", "--porcelain") == status_before, "the working tree must be untouched"


def test_diff_uses_merge_base_with_main(repo):
    git(repo, "branch", "-m", "trunk", "main")
    git(repo, "checkout", "-q", "-b", "feature")
    git(repo, "commit", "-q", "-am", "owner on the branch")
    done = run_cli(repo)  # merge base with main is the Reader commit
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["changes"][0]["action"] == "replace", done.stdout


def test_broken_base_synth_exit_2_and_cleans_up(repo):
    git(repo, "checkout", "-q", "-b", "broken")
    (repo / "main.py").write_text("raise SystemExit('boom in base')\n")
    git(repo, "commit", "-q", "-am", "break")
    (repo / "main.py").write_text(MAIN_PY)
    done = run_cli(repo, "--base", "HEAD")
    assert done.returncode == 2 and "boom in base" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert git(repo, "worktree", "list").count("\n") == 1, "the worktree must be removed on error"


def test_unknown_base_ref_exit_2(repo):
    done = run_cli(repo, "--base", "no-such-ref")
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr


def test_depends_on_is_compared_as_a_set(tmp_path):
    """One new dependency is one row, not a shifted row for every later index."""
    deps = ["${azurerm_role_assignment.b.id}", "${azurerm_role_assignment.c.id}"]
    base = base_resources(azurerm_storage_account={"d": {"name": "s", "depends_on": deps}})
    head = base_resources(
        azurerm_storage_account={
            "d": {"name": "s", "depends_on": ["${azurerm_role_assignment.a.id}", *deps]}
        }
    )
    attributes = run(tmp_path, base, head).json()["changes"][0]["attributes"]
    assert attributes == [
        {
            "path": "depends_on",
            "before": None,
            "after": "${azurerm_role_assignment.a.id}",
            "forces_replacement": False,
        }
    ], attributes


def test_repository_without_commits_exit_2(tmp_path):
    git(tmp_path, "init", "-q")
    (tmp_path / "main.py").write_text(MAIN_PY)
    done = run_cli(tmp_path)
    assert done.returncode == 2 and "no commits yet" in done.stderr, done.stderr
