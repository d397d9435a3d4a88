"""What a picture of an access map shows, for Mermaid and DOT alike: which nodes, grouped how,
and one edge per (from, to) pair however many grants it stands for.

Large stacks stay legible by grouping, not by dropping anything: an identity that one workload
carries is drawn inside that workload's box, scopes inside the resource that contains them (a
blob container inside its storage account), and repeated edges between the same two nodes are
collapsed into one edge that lists every role.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .graph import (
    CARRIER_KINDS,
    FEDERATED,
    IDENTITY,
    SCOPE,
    USE_KINDS,
    WORKLOAD,
    AccessMap,
    Edge,
)
from .kinds import type_words

_IDENTITY_WORDS = {
    "user-assigned": "user-assigned identity",
    "system-assigned": "system-assigned identity",
    "group": "Entra group",
    "user": "Entra user",
    "service-principal": "service principal",
    "entra-principal": "Entra principal",
    "deploying-principal": "whoever deploys",
}


@dataclass
class DrawnNode:
    key: str  # short ID for the picture: n1, n2, ...
    node_id: str
    lines: list[str]
    shape: str  # identity | principal | workload | scope
    css: str  # identity | outside | workload | scope | private


@dataclass
class Group:
    key: str  # s1, s2, ...
    node_id: str  # the workload or containing resource it stands for
    title: str
    css: str  # workload | scope | private
    members: list[str] = field(default_factory=list)  # node IDs


@dataclass
class DrawnEdge:
    source: str
    target: str
    labels: list[str]
    style: str  # grant | use | carries | federated, or a change: added | removed | widened


@dataclass
class Layout:
    nodes: dict[str, DrawnNode]
    groups: list[Group]
    loose: list[str]  # node IDs drawn outside any group
    edges: list[DrawnEdge]


def _grant_style(edges: list[Edge]) -> str:
    kinds = {e.kind for e in edges}
    if kinds <= set(CARRIER_KINDS):
        return "federated" if FEDERATED in kinds else "carries"
    return "use" if kinds <= set(USE_KINDS) else "grant"


def layout(
    access: AccessMap,
    edges: list[Edge] | None = None,
    style: Callable[[list[Edge]], str] = _grant_style,
    label: Callable[[Edge], str] = lambda e: e.role,
    split: Callable[[Edge], str] = lambda e: "",
) -> Layout:
    """Lay out `edges` (default: all of the map's) between the map's nodes; edges between
    the same two nodes become one, unless `split` tells them apart (a review's statuses)."""
    whole = edges is None
    edges = access.edges if edges is None else edges
    wanted = {e.source for e in edges} | {e.target for e in edges}
    if whole:  # every identity and workload, linked or not
        wanted |= {n.id for n in access.nodes.values() if n.kind != SCOPE}
    order = [IDENTITY, WORKLOAD, SCOPE]
    drawn_ids = sorted(wanted, key=lambda i: (order.index(access.nodes[i].kind), i))
    nodes = {i: _drawn(access, i, f"n{k}") for k, i in enumerate(drawn_ids, 1)}

    carriers: dict[str, list[str]] = {}
    for e in edges:
        if e.kind in CARRIER_KINDS:
            carriers.setdefault(e.target, []).append(e.source)
    groups: dict[str, Group] = {}
    placed: set[str] = set()
    for identity, owners in sorted(carriers.items()):
        if len(set(owners)) == 1 and identity in nodes and access.nodes[identity].kind == IDENTITY:
            owner = owners[0]
            group = groups.get(owner) or groups.setdefault(
                owner, Group("", owner, access.nodes[owner].label, "workload", [owner])
            )
            group.members.append(identity)
            placed |= {owner, identity}
    for group in groups.values():  # the box is titled with the workload's name
        nodes[group.node_id].lines = [type_words(access.nodes[group.node_id].type)]

    roots: dict[str, list[str]] = {}
    for node_id in drawn_ids:
        if access.nodes[node_id].kind == SCOPE:
            chain = access.ancestors(node_id)
            roots.setdefault(chain[-1] if chain else node_id, []).append(node_id)
    for root, members in roots.items():
        if members == [root]:
            continue
        node = access.nodes[root]
        css = "private" if node.private else "scope"
        private = " · private" if node.private else ""
        title = f"{node.label} · {type_words(node.type)}{private}"
        groups[root] = Group("", root, title, css, members)
        for member in members:
            if member == root:  # a grant on the whole resource, beside grants inside it
                nodes[member].lines = [f"whole {type_words(node.type)}"]
            else:
                nodes[member].lines[0] = _relative_label(access, member, root)
        placed |= set(members)

    ordered = sorted(groups.values(), key=lambda g: nodes[g.members[0]].key)
    for k, group in enumerate(ordered, 1):
        group.key = f"s{k}"
        group.members.sort(key=lambda m: int(nodes[m].key[1:]))
    loose = [i for i in drawn_ids if i not in placed]

    pairs: dict[tuple[str, str, str], list[Edge]] = {}
    for e in edges:
        pairs.setdefault((e.source, e.target, split(e)), []).append(e)
    drawn_edges = []
    for (source, target, _part), group_edges in sorted(
        pairs.items(),
        key=lambda p: (int(nodes[p[0][0]].key[1:]), int(nodes[p[0][1]].key[1:]), p[0][2]),
    ):
        labels = list(dict.fromkeys(label(e) for e in group_edges if label(e)))
        drawn_edges.append(DrawnEdge(source, target, labels, style(group_edges)))
    return Layout(nodes, ordered, loose, drawn_edges)


def _relative_label(access: AccessMap, node_id: str, root: str) -> str:
    """A scope's name below its containing resource: `app/items` in a Cosmos DB account."""
    names = [access.nodes[node_id].label]
    for above in access.ancestors(node_id):
        if above == root:
            break
        names.insert(0, access.nodes[above].label)
    return "/".join(names)


def _drawn(access: AccessMap, node_id: str, key: str) -> DrawnNode:
    node = access.nodes[node_id]
    if node.kind == IDENTITY:
        words = _IDENTITY_WORDS.get(node.identity_type, node.identity_type)
        inside = node.identity_type in ("user-assigned", "system-assigned") and node.address
        label = node.label.removesuffix(" (system-assigned)")
        shape, css = ("identity", "identity") if inside else ("principal", "outside")
        return DrawnNode(key, node_id, [label, words], shape, css)
    if node.kind == WORKLOAD:
        return DrawnNode(key, node_id, [node.label, type_words(node.type)], "workload", "workload")
    words = type_words(node.type) + (" · private" if node.private else "")
    return DrawnNode(
        key, node_id, [node.label, words], "scope", "private" if node.private else "scope"
    )
