"""The access map's data: nodes (identities, workloads, scopes), edges, and the JSON form."""

from __future__ import annotations

from dataclasses import dataclass, field

FORMAT = "azure-identity-kit/access-map/1"

IDENTITY = "identity"
WORKLOAD = "workload"
SCOPE = "scope"

# identity -> scope: what a principal can reach, and how.
RBAC = "rbac"
COSMOS_DATA_ROLE = "cosmos-data-role"
SQL_DATABASE_ROLE = "sql-database-role"
SQL_ENTRA_ADMIN = "sql-entra-admin"
KEY_VAULT_ACCESS_POLICY = "key-vault-access-policy"
KEY_VAULT_REFERENCE = "key-vault-reference"
PULL = "pull"
# workload -> identity: who acts as that principal.
CARRIES = "carries"
FEDERATED = "federated-credential"

GRANT_KINDS = (
    RBAC,
    COSMOS_DATA_ROLE,
    SQL_DATABASE_ROLE,
    SQL_ENTRA_ADMIN,
    KEY_VAULT_ACCESS_POLICY,
    KEY_VAULT_REFERENCE,
    PULL,
)
# Grants that a workload uses at start-up rather than holds as a role: drawn dotted.
USE_KINDS = (KEY_VAULT_REFERENCE, PULL)
CARRIER_KINDS = (CARRIES, FEDERATED)


@dataclass
class Node:
    id: str
    kind: str  # identity | workload | scope
    label: str
    type: str  # Terraform type, or what a principal outside the stack is
    address: str = ""  # resource or data source address; "" outside the stack
    path: str = ""  # construct path, from cdktf's metadata
    identity_type: str = ""  # identities: user-assigned, system-assigned, group, ...
    parent: str = ""  # scopes: the node of the resource that contains this one
    private: bool = False  # scopes: no public network path (itself or a parent)
    private_because: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "id": self.id,
            "kind": self.kind,
            "label": self.label,
            "type": self.type,
            "address": self.address,
            "path": self.path,
        }
        if self.kind == IDENTITY:
            out["identity_type"] = self.identity_type
        if self.kind == SCOPE:
            out |= {
                "parent": self.parent,
                "private": self.private,
                "private_because": self.private_because,
            }
        return out


@dataclass(frozen=True)
class Edge:
    source: str  # node ID: an identity (grants) or a workload (carries)
    target: str  # node ID: a scope (grants) or an identity (carries)
    kind: str
    role: str
    path: str  # the construct path that created it
    origin: str  # where in the stack's JSON it was read: an address, with a pointer inside

    def to_json(self) -> dict[str, str]:
        return {
            "from": self.source,
            "to": self.target,
            "kind": self.kind,
            "role": self.role,
            "path": self.path,
            "origin": self.origin,
        }


@dataclass
class AccessMap:
    stack: str
    nodes: dict[str, Node]
    edges: list[Edge]

    def node(self, node_id: str) -> Node:
        return self.nodes[node_id]

    def grants(self) -> list[Edge]:
        return [e for e in self.edges if e.kind in GRANT_KINDS]

    def ancestors(self, node_id: str) -> list[str]:
        """The scopes that contain node_id, innermost first."""
        out: list[str] = []
        parent = self.nodes[node_id].parent if node_id in self.nodes else ""
        while parent and parent not in out and parent in self.nodes:
            out.append(parent)
            parent = self.nodes[parent].parent
        return out

    def summary(self) -> dict[str, int]:
        nodes = self.nodes.values()
        return {
            "identities": sum(1 for n in nodes if n.kind == IDENTITY),
            "workloads": sum(1 for n in nodes if n.kind == WORKLOAD),
            "scopes": sum(1 for n in nodes if n.kind == SCOPE),
            "grants": len(self.grants()),
            "private_scopes": sum(1 for n in nodes if n.kind == SCOPE and n.private),
        }

    def summary_text(self) -> str:
        """`9 identities, 5 workloads, 13 scopes (13 private), 23 grants`"""
        s = self.summary()
        return (
            f"{s['identities']} identities, {s['workloads']} workloads, {s['scopes']} scopes "
            f"({s['private_scopes']} private), {s['grants']} grants"
        )

    def to_json(self) -> dict[str, object]:
        kinds = [IDENTITY, WORKLOAD, SCOPE]
        nodes = sorted(self.nodes.values(), key=lambda n: (kinds.index(n.kind), n.id))
        return {
            "format": FORMAT,
            "stack": self.stack,
            "summary": self.summary(),
            "nodes": [n.to_json() for n in nodes],
            "edges": [e.to_json() for e in sorted(self.edges, key=_edge_order)],
        }


def _edge_order(edge: Edge) -> tuple[str, str, str, str, str]:
    return (edge.source, edge.target, edge.kind, edge.role, edge.origin)
