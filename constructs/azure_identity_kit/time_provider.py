"""The hashicorp/time provider of the loaded toolchain, for the kit's
propagation waits (`time_sleep`, waits.py).

cdktf: `cdktf-cdktf-provider-time` 11.0.1, generated for time 0.13.1; cdktn:
`cdktn-provider-time` 14.0.2, for time 0.14.2. Same module and class names,
and the same time_sleep arguments. The kit adds the provider to a stack
itself, on the first wait (as it does for azapi), so a user's stack needs no
extra line.
"""

from __future__ import annotations

import weakref

from ._cdktf import CDKTN, Construct, TerraformStack, tune_bindings
from .stack_scope import one_per_stack

if CDKTN:
    from cdktn_provider_time import provider, sleep
else:
    from cdktf_cdktf_provider_time import provider, sleep

tune_bindings(provider)
tune_bindings(sleep)

TIME_VERSION = "0.14.2" if CDKTN else "0.13.1"
"""The time provider version the loaded bindings pin (required_providers)."""
_PROVIDER_ID = "time"
_PROVIDERS: weakref.WeakKeyDictionary[TerraformStack, provider.TimeProvider] = (
    weakref.WeakKeyDictionary()
)


def time_provider_of(scope: Construct) -> provider.TimeProvider:
    """The stack's `provider "time"`, created on first use."""
    return one_per_stack(
        scope, _PROVIDER_ID, _PROVIDERS, lambda stack: provider.TimeProvider(stack, _PROVIDER_ID)
    )


__all__ = ["TIME_VERSION", "provider", "sleep", "time_provider_of"]
