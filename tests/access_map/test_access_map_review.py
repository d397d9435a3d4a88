"""`make review` and `make diff` draw the changed access: a plan fixture that adds, removes and
widens grants (tests/review/fixtures/access_plan.json), a synth diff of the dev stack, and the
size cap. The Markdown is what the pull-request workflow posts as its comment."""

from __future__ import annotations

import contextlib
import copy
import io
import json
import re
import subprocess
import sys
from pathlib import Path

from access_helpers import REPO, mermaid_check
from azure_identity_kit.access_map import changes
from azure_identity_kit.access_map.graph import RBAC, AccessMap, Edge, Node
from azure_identity_kit.review import diff_cli, plan_cli

PLAN = REPO / "tests" / "review" / "fixtures" / "access_plan.json"


def run(main, argv: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(argv)
    return code, out.getvalue()


def mermaid_blocks(markdown: str) -> list[str]:
    return re.findall(r"```mermaid\n(.*?)```", markdown, re.S)


def test_plan_review_draws_added_removed_and_widened_grants():
    code, markdown = run(plan_cli.main, [str(PLAN), "--format", "markdown", "--fail-on", "none"])
    assert code == 0
    section = markdown.split("#### Access changes", 1)[1].split("<details>", 1)[0]
    assert "**the plan**: 1 added, 1 removed, 2 widened" in section
    (diagram,) = mermaid_blocks(section)
    arrows = {
        label: arrow
        for arrow, label in re.findall(r'n\d+ (==>|-\.->|---)\|"([^"]+)"\| n\d+', diagram)
    }
    assert arrows == {
        "+ Storage Blob Data Reader": "==>",
        "− AcrPush": "-.->",
        "Key Vault Secrets User → Key Vault Secrets Officer": "==>",
        "Storage Blob Data Reader (was on uploads)": "==>",
    }
    edges = [line for line in diagram.splitlines() if re.match(r"  n\d+ (==>|-\.->|---)", line)]
    styles = dict(re.findall(r"linkStyle ([\d,]+) stroke:(#\w+)", diagram))
    colour = {index: c for indexes, c in styles.items() for index in indexes.split(",")}
    for index, line in enumerate(edges):
        expected = {"+": "#188038", "−": "#c5221f"}.get(line.split('|"')[-1][:1], "#e37400")
        if "---" in line:
            expected = "#9aa0a6"  # the workload that carries the identity, unchanged
        assert colour[str(index)] == expected, line
    assert 'subgraph s1["ca-api"]' in diagram, "the identity is drawn in its workload"
    assert "AcrPull" not in diagram, "unchanged grants are not drawn"
    assert mermaid_check([diagram]) == [{"ok": True, "type": "flowchart-v2"}]


def test_plan_review_lists_the_changes_as_text_and_json():
    _code, text = run(plan_cli.main, [str(PLAN), "--fail-on", "none"])
    assert "Access changes: 1 added, 1 removed, 2 widened" in text
    assert "ADDED    id-jobs -> uploads: + Storage Blob Data Reader" in text
    _code, out = run(plan_cli.main, [str(PLAN), "--format", "json", "--fail-on", "none"])
    listed = json.loads(out)["access_changes"]
    assert sorted(c["status"] for c in listed) == ["added", "removed", "widened", "widened"]
    widened = next(c for c in listed if c["before"] and c["before"]["to"] != c["edge"]["to"])
    assert widened["edge"]["role"] == widened["before"]["role"] == "Storage Blob Data Reader"


def _role_assignments(doc: dict) -> dict[str, dict]:
    return doc["resource"]["azurerm_role_assignment"]


def test_synth_diff_draws_the_changed_access(stack_json, tmp_path):
    base = stack_json("dev")
    head = copy.deepcopy(base)
    grants = _role_assignments(head)
    web = next(k for k in grants if k.startswith("web-identity_grant-storage-blob-data-reader"))
    del grants[web]
    api = next(k for k in grants if k.startswith("api-identity_grant-storage-blob-data-reader"))
    grants[api]["role_definition_name"] = "Storage Blob Data Owner"
    new = copy.deepcopy(grants[api])
    new["role_definition_name"] = "Key Vault Secrets Officer"
    new["scope"] = "${azurerm_key_vault.vault_BBE00A92.id}"
    new["//"]["metadata"]["path"] = "dev/api-identity/grant-kv-officer"
    grants["api-identity_grant-kv-officer"] = new
    dirs = []
    for name, doc in (("base", base), ("head", head)):
        folder = tmp_path / name / "stacks" / "dev"
        folder.mkdir(parents=True)
        (folder / "cdk.tf.json").write_text(json.dumps(doc))
        dirs.append(str(tmp_path / name))
    argv = ["--base-dir", dirs[0], "--head-dir", dirs[1]]
    _code, markdown = run(diff_cli.main, [*argv, "--format", "markdown"])
    assert "**`dev`**: 1 added, 1 removed, 1 widened" in markdown
    (diagram,) = mermaid_blocks(markdown)
    assert '"Storage Blob Data Reader → Storage Blob Data Owner"' in diagram
    assert '"+ Key Vault Secrets Officer"' in diagram and '"− Storage Blob Data Reader"' in diagram
    assert mermaid_check([diagram])[0]["ok"]
    _code, out = run(diff_cli.main, [*argv, "--format", "json"])
    added = next(c for c in json.loads(out)["access_changes"] if c["status"] == "added")
    assert added["edge"]["path"] == "dev/api-identity/grant-kv-officer"


def test_no_access_change_no_section(stack_json, tmp_path):
    for name in ("base", "head"):
        folder = tmp_path / name / "stacks" / "dev"
        folder.mkdir(parents=True)
        (folder / "cdk.tf.json").write_text(json.dumps(stack_json("dev")))
    _code, markdown = run(
        diff_cli.main,
        [
            "--base-dir",
            str(tmp_path / "base"),
            "--head-dir",
            str(tmp_path / "head"),
            "--format",
            "markdown",
        ],
    )
    assert "Access changes" not in markdown


def test_too_large_a_change_is_a_summary_line():
    identity = Node(
        "i", "identity", "id-big", "azurerm_user_assigned_identity", identity_type="user-assigned"
    )
    scopes = {
        f"s{i}": Node(f"s{i}", "scope", f"container-{i}", "azurerm_storage_container")
        for i in range(41)
    }
    head = AccessMap(
        "big",
        {"i": identity, **scopes},
        [
            Edge(
                "i",
                s,
                RBAC,
                "Storage Blob Data Reader",
                f"big/g{s}",
                f"azurerm_role_assignment.{s}",
            )
            for s in scopes
        ],
    )
    base = AccessMap("big", {"i": identity}, [])
    markdown = changes.to_markdown([changes.compare("big", base, head)])
    assert "```mermaid" not in markdown
    assert (
        "**41 added, 0 removed, 0 widened** grants (big): 41 changes, too many to draw" in markdown
    )
    small = AccessMap("big", head.nodes, head.edges[: changes.MAX_DRAWN])
    assert "```mermaid" in changes.to_markdown([changes.compare("big", base, small)])


def test_access_map_runs_without_cdktf(stack_json, tmp_path):
    """Like the review: only the JSON, so it runs on a stack built anywhere."""
    folder = tmp_path / "out" / "stacks" / "dev"
    folder.mkdir(parents=True)
    (folder / "cdk.tf.json").write_text(json.dumps(stack_json("dev")))
    package = Path(__file__).resolve().parents[2] / "constructs" / "azure_identity_kit"
    boot = (
        "import sys, types\n"
        "parent = types.ModuleType('azure_identity_kit')\n"
        f"parent.__path__ = [{str(package)!r}]\n"
        "sys.modules['azure_identity_kit'] = parent\n"
        "from azure_identity_kit.access_map.cli import main\n"
        "code = main(sys.argv[1:])\n"
        "heavy = [m for m in ('cdktf', 'cdktn', 'jsii', 'constructs') if m in sys.modules]\n"
        "sys.exit(3 if heavy else code)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", boot, "--outdir", str(tmp_path / "out"), "--no-svg"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "access-map" / "dev.json").is_file()
