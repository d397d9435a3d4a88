"""Synthesize the README's reuse example with whatever `azure_identity_kit` is
installed: the release workflow runs it in a clean venv holding only the built
wheel and its locked dependencies, and tests/test_validate.py validates the
stack it writes with the real providers.

    python tools/release/smoke.py <README.md> <outdir>

The example (docs/using.md) takes `stack`,
`rg`, `cae`, `acr_id`, `blob_container` and `vault_id` as given, as a user's
own stack would have them; this script defines them, runs the example and
writes <outdir>/stacks/readme/cdk.tf.json.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

SECTION = "\n## Using the constructs in your own stack\n"


def reuse_example(readme: str) -> str:
    """The python block of docs/using.md (before
    its first subsection)."""
    section = readme.split(SECTION, 1)[1]
    section = re.split(r"\n##+ ", section, maxsplit=1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    if len(blocks) != 1:
        raise SystemExit(f"expected one python example in the section, found {len(blocks)}")
    return blocks[0]


def synth_reuse_example(readme: Path, outdir: Path) -> Path:
    """Run the example in a stack that defines what it takes as given; the
    synthesized stack's file."""
    from azure_identity_kit._cdktf import App, TerraformStack
    from azure_identity_kit.azurerm import (
        container_app_environment,
        provider,
        resource_group,
        storage_account,
        storage_container,
    )

    app = App(outdir=str(outdir))
    stack = TerraformStack(app, "readme")
    provider.AzurermProvider(stack, "azurerm", features=[provider.AzurermProviderFeatures()])
    rg = resource_group.ResourceGroup(stack, "rg", name="rg-shop-dev", location="westeurope")
    cae = container_app_environment.ContainerAppEnvironment(
        stack, "cae", name="cae-shop-dev", location="westeurope", resource_group_name=rg.name
    )
    account = storage_account.StorageAccount(
        stack,
        "orders-account",
        name="stshopordersdev",
        resource_group_name=rg.name,
        location="westeurope",
        account_tier="Standard",
        account_replication_type="LRS",
    )
    blob_container = storage_container.StorageContainer(
        stack, "orders", name="orders", storage_account_id=account.id
    )
    subscription = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-shared"
    given = {
        "stack": stack,
        "rg": rg,
        "cae": cae,
        "acr_id": f"{subscription}/providers/Microsoft.ContainerRegistry/registries/crshared",
        "blob_container": blob_container,
        "vault_id": f"{subscription}/providers/Microsoft.KeyVault/vaults/kv-orders",
    }
    code = reuse_example(readme.read_text(encoding="utf-8"))
    exec(compile(code, str(readme), "exec"), given)  # noqa: S102  (the README's own example)
    app.synth()
    return outdir / "stacks" / "readme" / "cdk.tf.json"


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    written = synth_reuse_example(Path(argv[0]), Path(argv[1]))
    import azure_identity_kit

    print(f"smoke: azure-identity-kit {azure_identity_kit.__version__} wrote {written}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
