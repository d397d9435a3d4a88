"""The grant -> wait -> workload ordering of a synthesized stack, as a Mermaid
flowchart, drawn from the stack's own JSON (never by hand): for each workload,
the grants Azure uses to create it go through its propagation wait
(`time_sleep`), runtime grants order it directly, and Cosmos DB SQL role
assignments wait for their principal's replication. docs/concepts.md shows it
for dev (tools/docs/generate.py keeps it current).
"""

from __future__ import annotations

import re
from typing import Any

Json = dict[str, Any]
WORKLOADS = {
    "azurerm_container_app": "container app",
    "azurerm_container_group": "container group",
    "azurerm_linux_web_app": "web app",
    "azurerm_linux_function_app": "function app",
    "azurerm_function_app_flex_consumption": "function app (Flex)",
}
GRANTS = ("azurerm_role_assignment", "azurerm_cosmosdb_sql_role_assignment")
_PRINCIPAL = re.compile(r"\$\{azurerm_user_assigned_identity\.([^.]+)\.principal_id\}")


def _label(text: str) -> str:
    return text.replace('"', "'")


def _grant_label(doc: Json, address: str) -> str:
    kind, name = address.split(".", 1)
    body = doc["resource"][kind][name]
    if kind == "azurerm_role_assignment":
        return body.get("description") or body.get("role_definition_name") or name
    identity = _PRINCIPAL.search(str(body.get("principal_id", "")))
    who = identity.group(1).split("_")[0] if identity else "a principal"
    role = (
        "Data Contributor"
        if str(body.get("role_definition_id", "")).endswith("2")
        else ("Data Reader")
    )
    return f"Cosmos DB Built-in {role} for {who}"


def ordering_mermaid(doc: Json) -> str:
    """The flowchart (Mermaid source, without the code fence)."""
    resources: Json = doc.get("resource", {})
    sleeps: Json = resources.get("time_sleep", {})
    lines = ["flowchart LR"]
    edges: list[str] = []
    declared: dict[str, str] = {}  # address -> short node ID, in order of appearance

    def node(address: str, text: str, shape: str = "rect") -> str:
        node_id = declared.get(address)
        if node_id is None:
            node_id = declared[address] = f"n{len(declared) + 1}"
            opening, closing = {"rect": ("[", "]"), "wait": ("([", "])"), "app": ("[[", "]]")}[
                shape
            ]
            lines.append(f'  {node_id}{opening}"{_label(text)}"{closing}')
        return node_id

    for kind, what in WORKLOADS.items():
        for name, body in sorted(resources.get(kind, {}).items()):
            app = node(f"{kind}.{name}", f"{what} {body.get('name', name)}", "app")
            for entry in body.get("depends_on", []):
                dep_kind, _, dep_name = entry.partition(".")
                if dep_kind == "time_sleep":
                    wait_body = sleeps[dep_name]
                    wait = node(entry, f"wait {wait_body.get('create_duration')}", "wait")
                    edges.append(f"  {wait} --> {app}")
                    for waited in wait_body.get("depends_on", []):
                        if waited.split(".", 1)[0] in GRANTS:
                            grant = node(waited, _grant_label(doc, waited))
                            edges.append(f"  {grant} --> {wait}")
                elif dep_kind in GRANTS:
                    grant = node(entry, _grant_label(doc, entry))
                    edges.append(f"  {grant} -. runtime, no wait .-> {app}")
    for name, body in sorted(resources.get("azurerm_cosmosdb_sql_role_assignment", {}).items()):
        address = f"azurerm_cosmosdb_sql_role_assignment.{name}"
        for entry in body.get("depends_on", []):
            if entry.startswith("time_sleep."):
                wait_body = sleeps[entry.partition(".")[2]]
                wait = node(entry, f"replication wait {wait_body.get('create_duration')}", "wait")
                edges.append(f"  {wait} --> {node(address, _grant_label(doc, address))}")
    return "\n".join([*lines, *dict.fromkeys(edges)]) + "\n"
