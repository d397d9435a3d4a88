"""The baseline: a one-resource cdktf app that imports the azurerm provider the
usual way (the package `__init__` imports all ~1,500 resource submodules).

It does not import azure_identity_kit, so none of the kit's speed-ups apply.
`bench/run.py` runs it as `python bench/naive_app.py` with CDKTF_OUTDIR set.
"""

import os

try:
    import cdktf_cdktf_provider_azurerm as azurerm
    from cdktf import App, TerraformStack
except ModuleNotFoundError:  # the fork's venv (docs/toolchains.md)
    import cdktn_provider_azurerm as azurerm  # type: ignore[no-redef]
    from cdktn import App, TerraformStack  # type: ignore[no-redef]


class NaiveStack(TerraformStack):
    def __init__(self, scope: App, name: str) -> None:
        super().__init__(scope, name)
        azurerm.provider.AzurermProvider(
            self, "azurerm", features=[azurerm.provider.AzurermProviderFeatures()]
        )
        azurerm.resource_group.ResourceGroup(
            self, "resource-group", name="rg-naive-dev", location="westeurope"
        )


if __name__ == "__main__":
    app = App(outdir=os.environ.get("CDKTF_OUTDIR", "cdktf.out"))
    NaiveStack(app, "naive")
    app.synth()
