"""The one place that imports cdktf and the constructs library.

Upstream cdktf was archived in December 2025; its community fork `cdktn` is a
rename-level drop-in. Keeping every `cdktf` import behind this module (and the
provider behind `azurerm.py`) keeps such a move a one-file rename.
"""

import os

# jsii prints a multi-line end-of-life banner on Node 20 for every run. This is
# jsii's documented switch; a value the user already set wins.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from cdktf import (
    Annotations,
    App,
    Aspects,
    AzurermBackend,
    Fn,
    IAspect,
    LocalBackend,
    TerraformOutput,
    TerraformProvider,
    TerraformResource,
    TerraformResourceLifecycle,
    TerraformStack,
    Testing,
    Token,
)

from constructs import Construct, IConstruct

__all__ = [
    "Annotations",
    "App",
    "Aspects",
    "AzurermBackend",
    "Construct",
    "Fn",
    "IAspect",
    "IConstruct",
    "LocalBackend",
    "TerraformOutput",
    "TerraformProvider",
    "TerraformResource",
    "TerraformResourceLifecycle",
    "TerraformStack",
    "Testing",
    "Token",
]
