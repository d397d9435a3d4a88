"""A construct's stack, found in Python where the kit recorded the scopes, and
the providers the kit adds to a stack by itself (azapi, time): one per stack,
created on first use, so a user's stack needs no extra line for them."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TypeVar, cast

from ._cdktf import Construct, IConstruct, TerraformStack
from .errors import recorded_scope

ProviderT = TypeVar("ProviderT", bound=Construct)


def stack_of(scope: Construct) -> TerraformStack:
    """The stack `scope` is in: up the scopes recorded in Python (a kit
    workload's, errors.remember_path), else cdktf's TerraformStack.of (a jsii
    static call)."""
    stack: IConstruct = scope
    while not isinstance(stack, TerraformStack):
        parent = recorded_scope(stack)
        if parent is None:
            return TerraformStack.of(scope)
        stack = parent
    return stack


def one_per_stack(
    scope: Construct,
    construct_id: str,
    known: weakref.WeakKeyDictionary[TerraformStack, ProviderT],
    create: Callable[[TerraformStack], ProviderT],
) -> ProviderT:
    """The stack's construct `construct_id` (a provider): remembered in `known`,
    else found in the tree (a user may have added it), else created. Asking the
    tree is two jsii round trips, so it happens once per stack."""
    stack = stack_of(scope)
    found = known.get(stack)
    if found is None:
        child = stack.node.try_find_child(construct_id)
        # A child with that ID is taken to be the provider (a user added it).
        found = known[stack] = cast(ProviderT, child) if child is not None else create(stack)
    return found
