"""The two language features newer than Terraform 1.0 that the kit emits, each
checked against what Terraform documents for it and then removed, and only
they, before Terraform 1.0.3 reads the configuration (engine.py, either mode):

- `import` blocks (Terraform >= 1.5; an `id` that is an expression, as the
  kit's remote-state mode writes, needs >= 1.6). Documented arguments: `to`
  (the address of a managed resource block of this configuration), `id` (a
  string), `provider`; `for_each` (>= 1.7) and `identity` (>= 1.12, exclusive
  with `id`). https://developer.hashicorp.com/terraform/language/block/import
- `lifecycle.replace_triggered_by` (Terraform >= 1.2): a list of references to
  managed resources or their attributes, one reference per entry; in JSON each
  entry is a string that Terraform re-parses as one expression, so `${x.y}`
  and `x.y` are both accepted (terraform internal/configs: decodeReplaceTriggeredBy).
  https://developer.hashicorp.com/terraform/language/meta-arguments/lifecycle

The CI workflows run Terraform 1.9.8, which has both.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from .references import JsonPath, Problem, declared, interpolations, references

IMPORT_MIN_VERSION = "1.5 (1.6 for an expression in `id`)"
REPLACE_TRIGGERED_BY_MIN_VERSION = "1.2"
_IMPORT_ARGUMENTS = {"to", "id", "provider", "for_each", "identity"}


@dataclass(frozen=True)
class Removed:
    """One construct taken out before the 1.0 load, and the Terraform it needs."""

    path: JsonPath
    feature: str
    min_version: str


def _one_reference(entry: Any) -> list[str] | None:
    """The references of a JSON reference string (`x.y` or `${x.y}`), else None."""
    if not isinstance(entry, str) or not entry.strip():
        return None
    inner = list(interpolations(entry))
    if entry.startswith("${") and entry.endswith("}") and len(inner) == 1:
        return references(inner[0])
    if "${" in entry:
        return None
    return references(entry)


def check_newer(doc: dict[str, Any]) -> list[Problem]:
    """The rules Terraform documents for the newer features the kit emits."""
    known = declared(doc)
    problems: list[Problem] = []
    imports = doc.get("import")
    if imports is not None and not isinstance(imports, list):
        problems.append(Problem(("import",), "import-block", "`import` must be a list of blocks."))
        imports = []
    for index, block in enumerate(imports or []):
        path: JsonPath = ("import", index)
        if not isinstance(block, dict):
            problems.append(Problem(path, "import-block", "an import block must be an object."))
            continue
        for key in sorted(set(block) - _IMPORT_ARGUMENTS):
            problems.append(
                Problem((*path, key), "import-block", f"import blocks have no argument {key!r}.")
            )
        to = _one_reference(block.get("to"))
        if to is None or len(to) != 1 or known.get(to[0]) != "resource":
            problems.append(
                Problem(
                    (*path, "to"),
                    "import-block",
                    f"import `to` = {block.get('to')!r} must be the address of a managed "
                    "resource declared in this stack.",
                )
            )
        has_id, has_identity = "id" in block, "identity" in block
        if has_id == has_identity:
            problems.append(
                Problem(
                    path, "import-block", "an import block needs exactly one of `id`, `identity`."
                )
            )
        elif has_id and (not isinstance(block["id"], str) or not block["id"].strip()):
            problems.append(
                Problem((*path, "id"), "import-block", "import `id` must be a non-empty string.")
            )
    for rtype, named in (doc.get("resource") or {}).items():
        for name, body in (named or {}).items():
            triggers = ((body or {}).get("lifecycle") or {}).get("replace_triggered_by")
            if triggers is None:
                continue
            path = ("resource", rtype, name, "lifecycle", "replace_triggered_by")
            if not isinstance(triggers, list):
                problems.append(Problem(path, "replace-triggered-by", "must be a list."))
                continue
            for index, entry in enumerate(triggers):
                found = _one_reference(entry)
                if found is None or len(found) != 1 or known.get(found[0]) != "resource":
                    problems.append(
                        Problem(
                            (*path, index),
                            "replace-triggered-by",
                            f"{rtype}.{name}: replace_triggered_by entry {entry!r} must be one "
                            "reference to a managed resource (or its attribute) in this stack.",
                        )
                    )
    return problems


def strip_newer(doc: dict[str, Any]) -> tuple[dict[str, Any], list[Removed]]:
    """A copy of doc without the features above, and what was removed."""
    stripped = copy.deepcopy(doc)
    removed: list[Removed] = []
    if "import" in stripped:
        del stripped["import"]
        removed.append(Removed(("import",), "import blocks", IMPORT_MIN_VERSION))
    for rtype, named in (stripped.get("resource") or {}).items():
        for name, body in (named or {}).items():
            lifecycle = (body or {}).get("lifecycle")
            if isinstance(lifecycle, dict) and "replace_triggered_by" in lifecycle:
                del lifecycle["replace_triggered_by"]
                if not lifecycle:
                    del body["lifecycle"]
                removed.append(
                    Removed(
                        ("resource", rtype, name, "lifecycle", "replace_triggered_by"),
                        "lifecycle.replace_triggered_by",
                        REPLACE_TRIGGERED_BY_MIN_VERSION,
                    )
                )
    return stripped, removed
