"""An access map as Graphviz DOT, for the SVG: the same layout as the Mermaid picture, with
clusters for workloads and containing resources. Node and cluster names are the map's node
IDs, so the SVG's `<title>` elements say which node each shape is."""

from __future__ import annotations

from .graph import AccessMap
from .layout import PALETTE, DrawnEdge, DrawnNode, Group, Layout, layout

_SHAPES = {"identity": "ellipse", "principal": "hexagon", "workload": "box", "scope": "cylinder"}
_EDGES = {
    "grant": 'color="#3c4043"',
    "use": 'color="#5f6368", style=dashed',
    "carries": 'color="#9aa0a6", arrowhead=none',
    "federated": 'color="#5f6368", style=dashed',
}


def quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _node(node: DrawnNode) -> str:
    fill, border, font = PALETTE[node.css]
    width = ", penwidth=2" if node.css == "private" else ""
    return (
        f"{quote(node.node_id)} [label={quote(chr(10).join(node.lines))}, "
        f'shape={_SHAPES[node.shape]}, fillcolor="{fill}", color="{border}", '
        f'fontcolor="{font}"{width}];'
    )


def _edge(edge: DrawnEdge) -> str:
    label = f", label={quote(chr(10).join(edge.labels))}" if edge.labels else ""
    return f"{quote(edge.source)} -> {quote(edge.target)} [{_EDGES[edge.style]}{label}];"


def _cluster(drawn: Layout, group: Group, indent: str) -> list[str]:
    fill, border, font = PALETTE[group.css]
    lines = [
        f"{indent}subgraph {quote('cluster_' + group.node_id)} {{",
        f'{indent}  label={quote(group.title)}; style="filled,rounded"; fillcolor="{fill}"; '
        f'color="{border}"; fontcolor="{font}"; fontsize=12;',
    ]
    for inner in drawn.groups:
        if inner.parent == group.node_id and inner is not group:
            lines += _cluster(drawn, inner, indent + "  ")
    lines += [f"{indent}  {_node(drawn.nodes[m])}" for m in group.members]
    return [*lines, f"{indent}}}"]


def render(drawn: Layout, title: str) -> str:
    lines = [
        "digraph access {",
        f'  graph [rankdir=LR, label={quote(title)}, labelloc=t, fontname="Helvetica", '
        "fontsize=14, nodesep=0.3, ranksep=1.1];",
        '  node [fontname="Helvetica", fontsize=11, style=filled];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]
    for group in drawn.groups:
        if not group.parent:
            lines += _cluster(drawn, group, "  ")
    lines += [f"  {_node(drawn.nodes[i])}" for i in drawn.loose]
    lines += [f"  {_edge(e)}" for e in drawn.edges]
    return "\n".join([*lines, "}"]) + "\n"


def to_dot(access: AccessMap) -> str:
    return render(layout(access), f"Access map: {access.stack}")
