"""`make preflight ENV=<stack>`: before the first deploy of a synthesized stack,
what must be fixed, and what must exist or be granted outside Terraform.

    python -m azure_identity_kit.preflight <stack folder | cdk.tf.json> [...]

It reads the synthesized JSON only (no cdktf import, like the review tool), so
everything it prints follows from the stack itself, not from a hand-kept list:

- refused: the deploy gate's findings (deploy_gate.py), one line per value
  with its rule ID. Any of them makes the exit code 1;
- outside Terraform: the resources `import` blocks adopt (they must exist);
  the remote state (backend "azurerm"); data sources that must find
  something (resource groups); Entra ID membership of the SQL administrator
  group and Directory Readers for the server's identity (the generated T-SQL
  needs both); the GitHub repository and environments the federated
  credentials trust; images pulled from a registry the stack creates itself.

Exit codes: 0 nothing refused; 1 a stack is refused; 2 no stack to read.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .deploy_gate import GATE_VARIABLE

_REFERENCE = re.compile(r"^\$\{([a-z0-9_]+)\.([^.}]+)\.[a-z_\[\]0-9.]+\}")
_GITHUB_SUBJECT = re.compile(
    r"^repo:(?P<repo>[^:]+):(?P<kind>environment|pull_request|ref)(?::(?P<name>.+))?$"
)
_ARM_ID = re.compile(
    r"/resourceGroups/(?P<group>[^/]+)(?:/providers/(?P<type>[^/]+/[^/]+)/(?P<name>[^/]+))?",
    re.IGNORECASE,
)
Json = dict[str, Any]


@dataclass
class Preflight:
    """What one stack needs before its first deploy."""

    stack: str
    refused: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.refused

    def render(self) -> str:
        lines = [f"preflight {self.stack}:"]
        if self.refused:
            lines.append(
                f"  REFUSED: {len(self.refused)} value(s) must be replaced before a deploy:"
            )
            lines += [f"    {line}" for line in self.refused]
        else:
            lines.append("  no demo or missing value: the deploy gate is open")
        if self.outside:
            lines.append("  Before the first deploy, outside Terraform:")
            lines += [f"    - {line}" for line in self.outside]
        return "\n".join(lines)


def _blocks(value: object) -> list[Json]:
    """A nested block as cdktf writes it: one object, or a list of them."""
    if isinstance(value, dict):
        return [value]
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _resources(doc: Json, kind: str) -> dict[str, Json]:
    found: dict[str, Json] = doc.get("resource", {}).get(kind, {})
    return found


def _name_of(doc: Json, value: object) -> str:
    """A literal, or `<type>.<name>`'s literal `name` when `value` references it."""
    if not isinstance(value, str):
        return repr(value)
    found = _REFERENCE.match(value)
    if found:
        target = _resources(doc, found.group(1)).get(found.group(2), {})
        name = target.get("name")
        return name if isinstance(name, str) else f"{found.group(1)}.{found.group(2)}"
    return value


def check_stack(name: str, doc: Json, folder: Path | None = None) -> Preflight:
    report = Preflight(name)
    gate = doc.get("variable", {}).get(GATE_VARIABLE, {})
    report.refused = [str(line) for line in gate.get("default", [])]
    report.outside += _imports(doc)
    report.outside += _backend(doc)
    report.outside += _data_sources(doc)
    report.outside += _sql(doc, folder)
    report.outside += _federation(doc)
    report.outside += _own_registry_images(doc, name)
    return report


def _imports(doc: Json) -> list[str]:
    found = []
    for block in doc.get("import", []):
        target = block.get("to", "?")
        arm = _ARM_ID.search(str(block.get("id", "")))
        what = (
            f"resource group '{arm.group('group')}'"
            if arm and not arm.group("type")
            else f"'{block.get('id')}'"
        )
        found.append(
            f"{what} must exist: the stack adopts it ({target}, an import block); "
            f"create it once, e.g. az group create --name {arm.group('group') if arm else '<name>'}"
            " --location <location> (docs/first-deploy.md)."
        )
    return found


def _backend(doc: Json) -> list[str]:
    state = doc.get("terraform", {}).get("backend", {}).get("azurerm")
    if not state:
        return []
    return [
        f"the state container '{state.get('container_name')}' in storage account "
        f"'{state.get('storage_account_name')}' (resource group "
        f"'{state.get('resource_group_name')}') must exist, and the deploying identity needs "
        "Storage Blob Data Contributor on it (the bootstrap stack creates both)."
    ]


def _data_sources(doc: Json) -> list[str]:
    groups = doc.get("data", {}).get("azurerm_resource_group", {})
    return [
        f"resource group '{group.get('name')}' must exist (read by data source "
        f"azurerm_resource_group.{key}): az group create --name {group.get('name')} "
        "--location <location>."
        for key, group in groups.items()
    ]


def _sql(doc: Json, folder: Path | None) -> list[str]:
    found = []
    scripts = sorted(folder.glob("assets/*/*/*.grants.sql")) if folder else []
    for key, server in _resources(doc, "azurerm_mssql_server").items():
        name = server.get("name", key)
        for admin in _blocks(server.get("azuread_administrator")):
            found.append(
                f"SQL server '{name}': its Entra administrator is the group "
                f"'{admin.get('login_username')}' ({admin.get('object_id')}); it must exist, "
                "and the deploy identity must be a member of it to run the database grants "
                f"({len(scripts)} generated T-SQL script(s), tools/sql/run-grants.sh)."
            )
        if any(
            str(identity.get("type", "")).startswith("SystemAssigned")
            for identity in _blocks(server.get("identity"))
        ):
            found.append(
                f"SQL server '{name}': give its system-assigned identity the Entra role Directory "
                "Readers (or Microsoft Graph User.Read.All, GroupMember.Read.All and "
                "Application.Read.All) once it exists, so CREATE USER ... FROM EXTERNAL PROVIDER "
                "can resolve managed identities; only a Privileged Role Administrator can grant it "
                "(output sql_server_principal_id)."
            )
    return found


def _federation(doc: Json) -> list[str]:
    found = []
    for key, credential in _resources(doc, "azurerm_federated_identity_credential").items():
        subject = str(credential.get("subject", ""))
        parsed = _GITHUB_SUBJECT.match(subject)
        if parsed and parsed.group("kind") == "environment":
            found.append(
                f"GitHub: repository '{parsed.group('repo')}' must have the environment "
                f"'{parsed.group('name')}' (with its protection rules): its jobs sign in through "
                f"federated credential '{credential.get('name', key)}' (subject {subject})."
            )
        elif parsed and parsed.group("kind") == "pull_request":
            found.append(
                f"GitHub: pull requests of '{parsed.group('repo')}' sign in through federated "
                f"credential '{credential.get('name', key)}' (subject {subject}); set the "
                "repository variables the bootstrap outputs (docs/first-deploy.md)."
            )
        else:
            found.append(
                f"federated credential '{credential.get('name', key)}' trusts subject "
                f"'{subject}' of issuer {credential.get('issuer')}."
            )
    return found


def _own_registry_images(doc: Json, stack: str) -> list[str]:
    """Images whose registry this stack creates: the registry is empty on the first
    deploy, and a workload whose image is missing fails (Container Apps after
    minutes of retries), so the image must be pushed in between."""
    registries = _resources(doc, "azurerm_container_registry")
    found: list[str] = []
    for server, image in sorted(set(_images(doc))):
        match = _REFERENCE.match(server)
        if not (match and match.group(1) == "azurerm_container_registry"):
            continue
        address = f"azurerm_container_registry.{match.group(2)}"
        registry = registries.get(match.group(2), {}).get("name", match.group(2))
        found.append(
            f"image '{image}' must be in registry '{registry}', which this stack creates: "
            f"create the registry first (terraform -chdir=cdktf.out/stacks/{stack} apply "
            f"-target={address}), push the image (az acr build, or az acr import --name "
            f"{registry} --source <image> --image {image}), then deploy the rest."
        )
    return found


def _images(doc: Json) -> Iterable[tuple[str, str]]:
    """(registry login server, repository:tag) of each image a workload pulls."""
    for app in _resources(doc, "azurerm_container_app").values():
        for template in _blocks(app.get("template")):
            for container in _blocks(template.get("container")):
                yield _split_image(str(container.get("image", "")))
    for group in _resources(doc, "azurerm_container_group").values():
        for container in _blocks(group.get("container")):
            yield _split_image(str(container.get("image", "")))
    for site in _resources(doc, "azurerm_linux_web_app").values():
        for config in _blocks(site.get("site_config")):
            for stack in _blocks(config.get("application_stack")):
                url = str(stack.get("docker_registry_url", ""))
                if stack.get("docker_image_name"):
                    yield url.removeprefix("https://"), str(stack["docker_image_name"])


def _split_image(image: str) -> tuple[str, str]:
    """`${...login_server}/repo:tag` -> (the token, 'repo:tag'); a literal host too."""
    if image.startswith("${"):
        end = image.find("}/")
        if end > 0:
            return image[: end + 1], image[end + 2 :]
    host, _, rest = image.partition("/")
    return (host, rest) if rest else ("", image)


def find_stacks(targets: Sequence[str]) -> list[tuple[str, Path]]:
    found = []
    for target in targets:
        path = Path(target)
        if path.is_dir() and (path / "cdk.tf.json").is_file():
            found.append((path.name, path / "cdk.tf.json"))
        elif path.is_file():
            found.append((path.parent.name if path.name == "cdk.tf.json" else path.stem, path))
        else:
            raise FileNotFoundError(f"{target}: no synthesized stack (run make synth first)")
    return found


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m azure_identity_kit.preflight",
        description="What a synthesized stack needs before its first deploy.",
    )
    parser.add_argument(
        "stacks", nargs="+", help="stack folders (cdktf.out/stacks/<name>) or files"
    )
    args = parser.parse_args(argv)
    try:
        stacks = find_stacks(args.stacks)
    except FileNotFoundError as missing:
        print(f"preflight: {missing}", file=sys.stderr)
        return 2
    reports = []
    for name, path in stacks:
        doc = json.loads(path.read_text(encoding="utf-8"))
        reports.append(check_stack(name, doc, path.parent))
    print("\n\n".join(report.render() for report in reports))
    refused = [report.stack for report in reports if not report.ok]
    if refused:
        print(
            f"\npreflight: refused: {', '.join(refused)} (fix the values above; "
            "docs/first-deploy.md)",
            file=sys.stderr,
        )
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main())
