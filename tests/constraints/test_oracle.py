"""The real providers as the oracle: does the inventory say truly who enforces what?

Stacks of ten entries each hold the entries' good boundary values and, with the
kit's check bypassed *in this test* (monkeypatch; nothing in the product can switch
it off), their bad boundary values, each in its own construct. `terraform validate`
runs on them with the real azurerm, azapi and time providers
(../shared/terraform-plugins, as tests/test_validate.py does), and every error is
traced back, by its line, to the resource and so to the construct it came from:

- no error on any good value (the kit is not stricter than the providers where it
  cites them, and refuses nothing they need);
- an entry citing a provider validator: every bad value that reaches Terraform is
  refused by the provider;
- an entry citing an Azure page: at least one bad value passes the provider, which
  is why the kit checks it (only Azure would refuse it, at apply or later).

On cdktn the stacks pin azurerm 5.10.0, which the shared plugins do not hold
(azurerm 4.55.0, azapi 2.4.0, time 0.13.1): the oracle cannot run there and says so.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from azure_identity_kit._cdktf import TOOLCHAIN
from azure_identity_kit.constraints.inventory import KIT_MODULES, Entry, inventory
from azure_identity_kit.validate import PROVIDERS, line_paths, validate_files
from cases import World, examples, placer
from support import new_stack, synth

pytestmark = pytest.mark.skipif(
    TOOLCHAIN != "cdktf",
    reason="the oracle needs the providers the stacks pin; on cdktn that is azurerm 5.10.0, "
    "which ../shared/terraform-plugins does not hold (azurerm 4.55.0 only): the loader "
    "fallback checks no provider validator",
)
CHUNK = 10
"""Entries per stack: Terraform 1.0's validate grows faster than linearly with a
stack's size and its errors (one stack of all 1,800 resources: 105 s; chunks of
ten entries, two at a time: a fraction of that)."""


@dataclass
class Planted:
    entry: Entry
    value: Any
    good: bool
    marker: str
    errors: list[str] = field(default_factory=list)
    built: bool = True
    why_not_built: str = ""


def _bypass(monkeypatch: pytest.MonkeyPatch) -> None:
    """The kit's check, off for this test only: every module's enforce/check_argument,
    and the wait's duration check."""
    import importlib

    for name in (*KIT_MODULES, "app_service", "constraints"):
        module = importlib.import_module(f"azure_identity_kit.{name}")
        for function in ("enforce", "check_argument"):
            if hasattr(module, function):
                monkeypatch.setattr(module, function, lambda *args, **kwargs: None)
    monkeypatch.setattr(
        importlib.import_module("azure_identity_kit.waits"),
        "check_duration",
        lambda path, setting, value: value,
    )


def _matcher(planted: Planted) -> Callable[[str, str, dict[str, Any]], bool]:
    """Which resources of the stack a planted value made."""
    if planted.entry.where.startswith("ContainerAppWithIdentity.add_dapr_blob_state_store"):
        return lambda rtype, name, body: (
            rtype == "azurerm_container_app_environment_dapr_component"
            and body.get("name") == planted.value
        )
    return lambda rtype, name, body: planted.marker in name


def _plant(
    world: World, planted: list[Planted], entries: list[Entry], *, good: bool, offset: int
) -> None:
    for number, entry in enumerate(entries, start=offset):
        values = examples(entry)[0 if good else 1]
        for index, value in enumerate(values):
            marker = f"{'g' if good else 'b'}{number}v{index}q"
            item = Planted(entry, value, good, marker)
            planted.append(item)
            try:
                _, act = placer(entry)(world, value)
                act(marker)
            except Exception as failure:  # noqa: BLE001 - a value that cannot reach Terraform
                if good:
                    raise
                item.built, item.why_not_built = False, f"{type(failure).__name__}: {failure}"


def _location(name: str) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(name)}: [^:]+:(\d+): (.*)$", re.DOTALL)


@pytest.fixture(scope="module")
def oracle(
    tmp_path_factory: pytest.TempPathFactory, terraform: Path, real: Any
) -> tuple[list[Planted], list[str]]:
    entries = inventory()
    folder = tmp_path_factory.mktemp("oracle")
    planted: list[Planted] = []
    stacks: list[tuple[str, Path]] = []
    docs: dict[str, dict[str, Any]] = {}
    chunks: dict[str, list[Planted]] = {}
    for start in range(0, len(entries), CHUNK):
        name = f"oracle{start // CHUNK}"
        stack = new_stack(name)
        world = World.of(stack)
        mine: list[Planted] = []
        _plant(world, mine, entries[start : start + CHUNK], good=True, offset=start)
        with pytest.MonkeyPatch.context() as patch:
            _bypass(patch)
            _plant(world, mine, entries[start : start + CHUNK], good=False, offset=start)
        docs[name] = synth(stack)
        file = folder / name / "cdk.tf.json"
        file.parent.mkdir()
        file.write_text(json.dumps(docs[name], indent=2))
        stacks.append((name, file))
        chunks[name] = mine
        planted += mine
    unplaced: list[str] = []
    for report in validate_files(stacks, terraform, plugins=real):
        assert report.mode == PROVIDERS, report.note
        doc, paths = docs[report.name], line_paths(docs[report.name])
        resources = doc.get("resource", {})
        for line in report.lines:
            found = _location(report.name).match(line)
            path = paths[int(found.group(1)) - 1] if found else ()
            if len(path) < 3 or path[0] != "resource":
                unplaced.append(line)
                continue
            rtype, resource = str(path[1]), str(path[2])
            body = resources[rtype][resource]
            owners = [
                p for p in chunks[report.name] if p.built and _matcher(p)(rtype, resource, body)
            ]
            if not owners:
                unplaced.append(line)
            for owner in owners:
                owner.errors.append(f"{rtype}.{resource}: {found.group(2) if found else line}")
    return planted, unplaced


def test_the_providers_accept_every_good_value_and_the_world(oracle):
    planted, unplaced = oracle
    refused = [(p.entry.where, p.value, p.errors) for p in planted if p.good and p.errors]
    assert not refused, f"the providers refuse values the kit accepts: {refused}"
    assert not unplaced, f"errors outside the planted values: {unplaced}"


def _by_entry(planted: list[Planted]) -> dict[int, list[Planted]]:
    grouped: dict[int, list[Planted]] = {}
    for item in planted:
        if not item.good:
            grouped.setdefault(id(item.entry), []).append(item)
    return grouped


def test_every_provider_cited_limit_is_enforced_by_the_provider(oracle):
    planted, _ = oracle
    wrong, unreached = [], []
    for items in _by_entry(planted).values():
        entry = items[0].entry
        if entry.constraint.source.kind != "provider":
            continue
        reached = [item for item in items if item.built]
        if not reached:
            unreached.append((entry.where, [item.why_not_built for item in items]))
        wrong += [(entry.where, item.value) for item in reached if not item.errors]
    assert not unreached, f"no bad value of these reaches Terraform: {unreached}"
    assert not wrong, f"the inventory cites the provider, but the provider accepts: {wrong}"


def test_every_azure_cited_limit_passes_the_provider(oracle):
    """Azure is the only oracle for these: at least one bad value is accepted by
    Terraform (so the kit's check is what stands before an apply that fails)."""
    planted, _ = oracle
    enforced_by_provider = []
    for items in _by_entry(planted).values():
        entry = items[0].entry
        if entry.constraint.source.kind != "azure":
            continue
        if all(item.errors for item in items if item.built) and any(i.built for i in items):
            enforced_by_provider.append((entry.where, [i.errors[0] for i in items]))
    assert not enforced_by_provider, (
        f"the provider refuses every bad value of these: cite its validator: {enforced_by_provider}"
    )


def test_the_oracle_saw_both_kinds(oracle):
    planted, _ = oracle
    kinds = {p.entry.constraint.source.kind for p in planted if not p.good and p.errors}
    assert kinds == {"provider"} or kinds == {"provider", "azure"}
    refused = sum(1 for p in planted if not p.good and p.errors)
    assert refused >= 60, refused
