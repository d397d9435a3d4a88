"""Text for a terminal, Markdown for a PR comment, JSON for tools.

Every attribute value goes through values.attribute_rows, which has already replaced
secrets with `(sensitive)`; flag messages carry no values. Nothing else prints values.
"""

import json
from collections import Counter

from ..access_map import changes as access_changes
from .model import Change, Review, Severity
from .values import Row, attribute_rows, display, jsonable

SYMBOL = {"create": "+", "delete": "-", "update": "~", "replace": "-/+", "no-op": ">"}


def action_label(c: Change) -> str:
    if c.moved and not c.moved_block:
        return f"moved from {c.previous_address} (no `moved` block → destroy and create)"
    label = c.action if c.action != "no-op" else ""
    if c.moved:
        label = f"{label + ', ' if label else ''}moved from {c.previous_address}"
    return label


def summary(review: Review) -> str:
    counts = Counter(c.action for c in review.shown_changes)
    parts = [f"{counts[a]} to {a}" for a in ("create", "update", "replace", "delete")]
    moved = sum(1 for c in review.shown_changes if c.moved)
    parts += [f"{moved} moved"] if moved else []
    parts += [f"{counts[a]} {a}" for a in sorted(counts) if a not in SYMBOL]
    if review.stacks_added:
        parts.append(f"stacks added: {', '.join(review.stacks_added)}")
    if review.stacks_removed:
        parts.append(f"stacks removed: {', '.join(review.stacks_removed)}")
    return ", ".join(parts)


def flag_counts(review: Review) -> str:
    counts = Counter(f.severity.label for f in review.flags)
    return ", ".join(f"{counts[s]} {s}" for s in ("high", "medium", "low"))


def _where(stack: str, address: str) -> str:
    return f"{stack}: {address}" if stack else address


def _row_text(row: Row, created: bool) -> str:
    forced = "  [forces replacement]" if row.forces_replacement else ""
    if created:
        return f"{row.path} = {display(row.after)}"
    return f"{row.path}: {display(row.before)} → {display(row.after)}{forced}"


def to_text(review: Review) -> str:
    lines = [review.title, *review.notes]
    if not review.shown_changes and not review.flags:
        return "\n".join([*lines, "No changes."]) + "\n"
    lines += [f"Changes: {summary(review)}", f"Flags: {flag_counts(review)}", ""]
    width = max(len(f.severity.label) for f in review.flags) if review.flags else 0
    for f in review.flags:
        lines.append(
            f"{f.severity.label.upper():<{width}}  {_where(f.stack, f.address)}: {f.message}"
        )
    lines.append("")
    access = access_changes.to_text(review.access)
    if access:
        lines += [f"Access changes: {access_changes.summary(review.access)}", *access, ""]
    for c in review.shown_changes:
        reason = f" ({c.reason})" if c.reason else ""
        lines.append(
            f"{SYMBOL.get(c.action, '?')} {_where(c.stack, c.address)}: {action_label(c)}{reason}"
        )
        lines += [f"    {_row_text(r, c.before is None)}" for r in attribute_rows(c)]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    text = _cell(text)
    fence = "``" if "`" in text else "`"
    pad = " " if fence == "``" else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def to_markdown(review: Review) -> str:
    heading = (
        f"### Identity review: {flag_counts(review)}" if review.flags else "### Identity review"
    )
    lines = [heading, "", _cell(review.title), *(f"> {n}" for n in review.notes), ""]
    if not review.shown_changes and not review.flags:
        return "\n".join([*lines, "No changes."]) + "\n"
    lines += [f"**Changes:** {summary(review)}", ""]
    stacked = any(f.stack for f in review.flags)
    header = [
        "| Severity | " + ("Stack | " if stacked else "") + "Resource | Why it matters |",
        "| --- | " + ("--- | " if stacked else "") + "--- | --- |",
    ]
    table = [
        f"| **{f.severity.label}** | {f'{_cell(f.stack)} | ' if stacked else ''}"
        f"{_code(f.address)} | {_cell(f.message)} |"
        for f in review.flags
    ]
    lows = sum(1 for f in review.flags if f.severity == Severity.LOW)
    if len(table) > lows:  # high and medium in the open, low ones folded away
        lines += [*header, *table[: len(table) - lows], ""]
    if lows:
        lines += [f"<details><summary>Low-risk changes ({lows})</summary>", ""]
        lines += [*header, *table[len(table) - lows :], "", "</details>", ""]
    if access := access_changes.to_markdown(review.access):
        lines += [access]
    lines += [f"<details><summary>Changed resources ({len(review.shown_changes)})</summary>", ""]
    for c in review.shown_changes:
        reason = f" ({_cell(c.reason)})" if c.reason else ""
        lines.append(f"**{_code(_where(c.stack, c.address))}**: {_cell(action_label(c))}{reason}")
        rows = attribute_rows(c)
        if rows:
            lines += ["", "| Attribute | Before | After |", "| --- | --- | --- |"]
            for r in rows:
                forced = " (forces replacement)" if r.forces_replacement else ""
                before = "" if c.before is None else _code(display(r.before))
                lines.append(f"| {_code(r.path)}{forced} | {before} | {_code(display(r.after))} |")
        lines.append("")
    lines.append("</details>")
    return "\n".join(lines) + "\n"


def to_json(review: Review) -> str:
    worst = review.worst()
    doc = {
        "title": review.title,
        "notes": review.notes,
        "summary": dict(
            Counter(c.action for c in review.shown_changes),
            moved=sum(1 for c in review.shown_changes if c.moved),
        ),
        "worst": worst.label if worst else None,
        "stacks_added": review.stacks_added,
        "stacks_removed": review.stacks_removed,
        "access_changes": access_changes.to_json(review.access),
        "flags": [
            {
                "severity": f.severity.label,
                "stack": f.stack,
                "address": f.address,
                "rule": f.rule,
                "message": f.message,
            }
            for f in review.flags
        ],
        "changes": [
            {
                "stack": c.stack,
                "address": c.address,
                "type": c.type,
                "mode": c.mode,
                "action": c.action,
                "previous_address": c.previous_address or None,
                "moved_block": c.moved_block if c.moved else None,
                "reason": c.reason or None,
                "replace_paths": [".".join(str(p) for p in path) for path in c.replace_paths],
                "attributes": [
                    {
                        "path": r.path,
                        "before": jsonable(r.before),
                        "after": jsonable(r.after),
                        "forces_replacement": r.forces_replacement,
                    }
                    for r in attribute_rows(c)
                ],
            }
            for c in review.shown_changes
        ],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


RENDERERS = {"text": to_text, "markdown": to_markdown, "json": to_json}


def render(review: Review, fmt: str) -> str:
    return RENDERERS[fmt](review)
