"""Access changes between two maps of one stack (base -> head), for `make diff` and
`make review`: grants added, removed and widened, drawn as one Mermaid diagram of the changed
access only, or as a summary line when the change is too large to draw."""

from __future__ import annotations

from dataclasses import dataclass

from ..review.roles import compare as compare_roles
from ..review.rules import SUB_RESOURCE, arm_scope_level, type_scope_level
from .graph import CARRIER_KINDS, AccessMap, Edge, Node
from .layout import layout
from .mermaid import render

ADDED, REMOVED, WIDENED = "added", "removed", "widened"
MAX_DRAWN = 40  # changed grants one comment draws; more become a summary line
_CONDITION = " (with condition)"


@dataclass(frozen=True)
class AccessChange:
    status: str  # added | removed | widened
    edge: Edge  # the head's grant (the base's when removed)
    before: Edge | None = None  # widened: the base grant it replaces


@dataclass
class StackAccess:
    stack: str
    base: AccessMap
    head: AccessMap
    changes: list[AccessChange]

    def count(self, status: str) -> int:
        return sum(1 for c in self.changes if c.status == status)


def _key(edge: Edge) -> tuple[str, str, str, str]:
    return (edge.source, edge.target, edge.kind, edge.role)


def _level(access: AccessMap, node_id: str) -> int | None:
    node = access.nodes.get(node_id)
    if node is None:
        return None
    if node.address and node.id == node.address:
        return type_scope_level(node.address)
    return SUB_RESOURCE if node.address else arm_scope_level(node.id)


def _widens(old: Edge, new: Edge, base: AccessMap, head: AccessMap) -> bool:
    """The same principal, by the same mechanism, can now do more: a stronger role on the
    same scope, a condition dropped, or the same role on a scope that contains the old one
    (or is broader: resource group, subscription)."""
    if old.source != new.source or old.kind != new.kind:
        return False
    old_role, new_role = old.role.removesuffix(_CONDITION), new.role.removesuffix(_CONDITION)
    if old.target == new.target:
        if old_role == new_role:
            return old.role.endswith(_CONDITION) and not new.role.endswith(_CONDITION)
        return compare_roles(old_role, new_role) == "more"
    if old.role != new.role:
        return False
    if new.target in head.ancestors(old.target) or new.target in base.ancestors(old.target):
        return True
    before, after = _level(base, old.target), _level(head, new.target)
    return before is not None and after is not None and after > before


def compare(stack: str, base: AccessMap, head: AccessMap) -> StackAccess:
    old = {_key(e): e for e in base.grants()}
    new = {_key(e): e for e in head.grants()}
    removed = [old[k] for k in sorted(old) if k not in new]
    added = [new[k] for k in sorted(new) if k not in old]
    changes = []
    for edge in list(added):
        replaced = next((r for r in removed if _widens(r, edge, base, head)), None)
        if replaced is not None:
            changes.append(AccessChange(WIDENED, edge, replaced))
            added.remove(edge)
            removed.remove(replaced)
    changes += [AccessChange(ADDED, e) for e in added]
    changes += [AccessChange(REMOVED, e) for e in removed]
    return StackAccess(stack, base, head, changes)


def _label(change: AccessChange, head: AccessMap) -> str:
    if change.status == ADDED:
        return f"+ {change.edge.role}"
    if change.status == REMOVED:
        return f"− {change.edge.role}"
    assert change.before is not None
    if change.before.target == change.edge.target:
        return f"{change.before.role} → {change.edge.role}"
    was = head.nodes.get(change.before.target)
    return f"{change.edge.role} (was on {was.label if was else change.before.target})"


def to_mermaid(access: StackAccess) -> str:
    """The changed grants of one stack, with the workloads carrying their identities."""
    nodes: dict[str, Node] = {**access.base.nodes, **access.head.nodes}
    merged = AccessMap(access.stack, nodes, [])
    by_edge = {c.edge: c for c in access.changes}
    identities = {c.edge.source for c in access.changes}
    carriers = {
        e
        for m in (access.base, access.head)
        for e in m.edges
        if e.kind in CARRIER_KINDS and e.target in identities
    }
    # A widened grant is drawn on its new scope; its old scope is named in the label.
    edges = [c.edge for c in access.changes] + sorted(carriers, key=_key)
    drawn = layout(
        merged,
        edges,
        style=lambda group: by_edge[group[0]].status if group[0] in by_edge else "carries",
        label=lambda e: _label(by_edge[e], merged) if e in by_edge else "",
        split=lambda e: by_edge[e].status if e in by_edge else "",
    )
    return render(
        drawn, f"access changes in {f'stack {access.stack}' if access.stack else 'the plan'}"
    )


def summary(access: list[StackAccess]) -> str:
    total = [sum(a.count(s) for a in access) for s in (ADDED, REMOVED, WIDENED)]
    return f"{total[0]} added, {total[1]} removed, {total[2]} widened"


def to_markdown(access: list[StackAccess]) -> str:
    """The review comment's section: one diagram per stack with changed grants."""
    changed = [a for a in access if a.changes]
    if not changed:
        return ""
    lines = ["#### Access changes", ""]
    count = sum(len(a.changes) for a in changed)
    stacks = ", ".join(a.stack or "plan" for a in changed)
    if count > MAX_DRAWN:
        return "\n".join(
            lines
            + [
                f"**{summary(changed)}** grants ({stacks}): {count} changes, too many to draw "
                f"(at most {MAX_DRAWN}); `make access-map` draws each stack whole.",
                "",
            ]
        )
    lines.append(
        "Changed access only: **green** arrows are added grants, **red dashed** ones removed, "
        "**orange** ones widened (a stronger role, a dropped condition or a wider scope)."
    )
    for item in changed:
        name = f"`{item.stack}`" if item.stack else "the plan"
        lines += [
            "",
            f"**{name}**: {summary([item])}",
            "",
            "```mermaid",
            to_mermaid(item).rstrip("\n"),
            "```",
        ]
    return "\n".join(lines) + "\n"


def to_text(access: list[StackAccess]) -> list[str]:
    """One line per changed grant, for the terminal."""
    lines = []
    for item in access:
        nodes = {**item.base.nodes, **item.head.nodes}
        for change in item.changes:
            edge = change.edge
            who, what = nodes[edge.source].label, nodes[edge.target].label
            where = f"{item.stack}: " if item.stack else ""
            lines.append(
                f"{change.status.upper():<8} {where}{who} -> {what}: {_label(change, item.head)}"
            )
    return lines


def to_json(access: list[StackAccess]) -> list[dict[str, object]]:
    return [
        {
            "stack": item.stack,
            "status": change.status,
            "edge": change.edge.to_json(),
            "before": change.before.to_json() if change.before else None,
        }
        for item in access
        for change in item.changes
    ]
