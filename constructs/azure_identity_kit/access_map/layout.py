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

# Fill, border and text colour per node class, shared by the Mermaid and DOT pictures.
PALETTE = {
    "identity": ("#e8f0fe", "#1a73e8", "#174ea6"),
    "outside": ("#fce8e6", "#c5221f", "#a50e0e"),
    "workload": ("#f1f3f4", "#5f6368", "#202124"),
    "scope": ("#fef7e0", "#e37400", "#202124"),
    "private": ("#e6f4ea", "#188038", "#0d652d"),
}
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
    parent: str = ""  # the box this box sits in (node ID), "" at the top


@dataclass
class DrawnEdge:
    source: str
    target: str
    labels: list[str]
    style: str  # grant | use | carries | federated, or a change: added | removed | widened


@dataclass
class Layout:
    nodes: dict[str, DrawnNode]
    groups: list[Group]  # parents before the boxes inside them
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

    # Scopes inside the resources that contain them: one box per containing resource, nested
    # (Cosmos DB account > database > container), the resource itself as "whole <type>".
    scopes = [i for i in drawn_ids if access.nodes[i].kind == SCOPE]
    boxes = {above for i in scopes for above in access.ancestors(i)}
    for box in sorted(boxes):
        node = access.nodes[box]
        private = " · private" if node.private else ""
        title = f"{node.label} · {type_words(node.type)}{private}"
        chain = access.ancestors(box)
        css = "private" if node.private else "scope"
        groups[box] = Group("", box, title, css, [], parent=chain[0] if chain else "")
    for node_id in scopes:
        if node_id in boxes:  # a grant on the whole resource, beside grants inside it
            nodes[node_id].lines = [f"whole {type_words(access.nodes[node_id].type)}"]
            groups[node_id].members.append(node_id)
        elif chain := access.ancestors(node_id):
            groups[chain[0]].members.append(node_id)
        else:
            continue
        placed.add(node_id)

    def first(group: Group) -> int:
        """The smallest node number in a box and the boxes inside it: boxes follow nodes."""
        keys = [int(nodes[m].key[1:]) for m in group.members]
        keys += [first(g) for g in groups.values() if g.parent == group.node_id and g is not group]
        return min(keys, default=0)

    ordered: list[Group] = []

    def visit(parent: str) -> None:
        for group in sorted(
            (g for g in groups.values() if g.parent == parent), key=lambda g: (first(g), g.node_id)
        ):
            group.key = f"s{len(ordered) + 1}"
            group.members.sort(key=lambda m: int(nodes[m].key[1:]))
            ordered.append(group)
            visit(group.node_id)

    visit("")
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
