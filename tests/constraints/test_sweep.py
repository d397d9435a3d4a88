"""The sweep: every inventory entry, at and around its boundaries.

- Each bad boundary value is refused with the entry's rule ID, names the
  construct path and a fix, and leaves nothing behind: the scope it would have
  been built in has the same children as before (nothing can be synthesized).
- Hypothesis draws values around every range's ends, near every allowed set and
  across CIDR prefix lengths; whether each is valid is worked out here from the
  constraint's parameters (not from its own check), and a value judged bad must be
  refused by the construct exactly as above.
- Every good boundary value is built into one stack, which synthesizes
  (tests/constraints/test_oracle.py puts the same stack through the real providers).
"""

from __future__ import annotations

import ipaddress
import math
from typing import Any

import pytest
from azure_identity_kit import KitValidationError
from azure_identity_kit.constraints import Items, OneOf, Range
from azure_identity_kit.constraints.common import Cidr
from azure_identity_kit.constraints.inventory import Entry, inventory
from cases import World, examples, placer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import new_stack, synth

ENTRIES = inventory()


def _id(entry: Entry) -> str:
    return f"{entry.where}[{entry.constraint.rule_id}]"


IDS = [f"{_id(e)}#{i}" for i, e in enumerate(ENTRIES)]


@pytest.fixture(scope="module")
def world() -> World:
    return World.of(new_stack("constraints"))


def _refused(world: World, entry: Entry, value: Any) -> KitValidationError:
    scope, act = placer(entry)(world, value)
    before = len(scope.node.children)
    with pytest.raises(KitValidationError) as caught:
        act("refused")
    after = len(scope.node.children)
    assert after == before, f"{entry.where}={value!r} left {after - before} construct(s)"
    return caught.value


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_bad_boundary_values_are_refused_with_the_rule_and_leave_nothing(world, entry):
    _, bad = examples(entry)
    for value in bad:
        error = _refused(world, entry, value)
        assert error.rule_id == entry.constraint.rule_id, (value, str(error))
        assert error.path.startswith("constraints/"), error.path
        assert error.fix and error.problem, str(error)


def test_good_boundary_values_synthesize():
    """All good values of all entries in one stack: it builds and synthesizes."""
    stack = new_stack("constraints-good")
    world = World.of(stack)
    built = 0
    for number, entry in enumerate(ENTRIES):
        good, _ = examples(entry)
        for index, value in enumerate(good):
            _, act = placer(entry)(world, value)
            act(f"good-{number}-{index}")
            built += 1
    doc = synth(stack)
    assert built >= 200 and len(doc["resource"]) >= 20


# --- Hypothesis --------------------------------------------------------------------


def _range_strategy(constraint: Range) -> st.SearchStrategy[Any]:
    ends = [v for v in (constraint.low, constraint.high) if v is not None]
    if constraint.integer:
        near = [st.integers(int(end) - 3, int(end) + 3) for end in ends]
        return st.one_of(*near, st.integers(-(10**6), 10**6))
    near = [st.floats(end - 0.5, end + 0.5) for end in ends]
    return st.one_of(*near, st.floats(-1e4, 1e4, allow_nan=False))


def _in_range(constraint: Range, value: float) -> bool:
    low, high = constraint.low, constraint.high
    if low is not None and (value <= low if constraint.exclusive_low else value < low):
        return False
    if high is not None and value > high:
        return False
    if constraint.step is not None:
        steps = (value - (low or 0)) / constraint.step
        return math.isclose(steps, round(steps), abs_tol=1e-9)
    return True


def _one_of_strategy(constraint: OneOf) -> st.SearchStrategy[Any]:
    members = st.sampled_from(constraint.values)
    if isinstance(constraint.values[0], int):
        return st.one_of(members, st.integers(0, 10_000))
    mutated = members.flatmap(
        lambda v: st.sampled_from([v.lower(), v.upper(), v.swapcase(), v[:-1], f"{v} "])
    )
    # Not "${": a string holding one is an unknown (a token), never judged.
    other = st.text(max_size=12).filter(lambda text: "${" not in text)
    return st.one_of(members, mutated, other)


def _cidr_strategy() -> st.SearchStrategy[str]:
    return st.builds(
        lambda address, length: f"{ipaddress.IPv4Address(address)}/{length}",
        st.integers(0, 2**32 - 1).map(lambda a: a & 0xFFFFFF00),
        st.integers(16, 32),
    )


def _cidr_ok(constraint: Cidr, value: str) -> bool:
    address, length = value.split("/")
    network = int(ipaddress.IPv4Address(address))
    host_bits = 32 - int(length)
    return int(length) <= constraint.max_prefix and network % (1 << host_bits) == 0


def _spec(entry: Entry) -> tuple[st.SearchStrategy[Any], Any] | None:
    """(values, is_valid) for entries whose validity is a function of the value."""
    constraint = entry.constraint
    if isinstance(constraint, Items) and isinstance(constraint.inner, Range):
        inner = constraint.inner
        return (
            st.lists(_range_strategy(inner), min_size=1, max_size=3),
            lambda v: all(_in_range(inner, x) for x in v),
        )
    if isinstance(constraint, Range):
        return _range_strategy(constraint), lambda v: _in_range(constraint, v)
    if isinstance(constraint, OneOf):
        return _one_of_strategy(constraint), lambda v: v in constraint.values
    if isinstance(constraint, Cidr):
        return _cidr_strategy(), lambda v: _cidr_ok(constraint, v)
    return None


SWEPT = [(e, i) for e, i in zip(ENTRIES, IDS, strict=True) if _spec(e) is not None]


@pytest.mark.parametrize("entry", [e for e, _ in SWEPT], ids=[i for _, i in SWEPT])
def test_values_around_every_boundary(world, entry):
    values, valid = _spec(entry)  # type: ignore[misc]

    @settings(
        max_examples=40,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(values)
    def check(value: Any) -> None:
        if valid(value):
            assert entry.constraint.problem(value) is None, value
        else:
            assert entry.constraint.problem(value) is not None, value
            assert _refused(world, entry, value).rule_id == entry.constraint.rule_id

    check()


def test_the_sweep_covers_most_entries_by_their_parameters():
    assert len(SWEPT) >= 40, [e.where for e, _ in SWEPT]


def test_tokens_are_skipped_and_literal_tails_checked():
    """A value unknown at synth is not judged; a composite's literal tail is."""
    from azure_identity_kit.constraints import is_unknown
    from azure_identity_kit.constraints.common import ResourceId, secret_uri, subnet_id

    stack = new_stack("tokens")
    world = World.of(stack)
    assert is_unknown(world.vault_uri) and not is_unknown("literal")
    uri = secret_uri("keyvault-secret-uri", entry_source := ENTRIES[0].constraint.source)
    assert uri.problem(f"{world.vault_uri}secrets/api-config") is None
    assert uri.problem(f"{world.vault_uri}keys/api-config") is not None
    subnet: ResourceId = subnet_id("vm-subnet-id", entry_source)
    vnet_id = world.identity.resource.get_string_attribute("id")  # any token
    assert subnet.problem(f"{vnet_id}/subnets/snet") is None
    assert subnet.problem(f"{vnet_id}/subnet/snet") is not None
    assert subnet.problem(vnet_id) is None
    number = world.identity.resource.get_number_attribute("id")
    assert Range("r", entry_source, low=1, high=2).problem(number) is None
