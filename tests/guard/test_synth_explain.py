"""What `make synth` (main.py -> synth_or_explain) prints when the guard objects:
every error of every stack as a plain list, no traceback, no output left behind;
warnings are printed and do not fail."""

from __future__ import annotations

from azure_identity_kit import UserAssignedIdentity, UserAssignedIdentityProps
from azure_identity_kit._cdktf import App, TerraformStack
from azure_identity_kit.azurerm import container_registry, provider
from azure_identity_kit.guard import apply_guard
from azure_identity_kit.synth import synth_or_explain


def _app(outdir, *, stacks=("one", "two"), admin=True, idle=False, with_provider=True):
    def build() -> App:
        app = App(outdir=str(outdir))
        for name in stacks:
            stack = TerraformStack(app, name)
            if with_provider:
                provider.AzurermProvider(
                    stack, "azurerm", features=[provider.AzurermProviderFeatures()]
                )
            container_registry.ContainerRegistry(
                stack,
                "acr",
                name=f"cr{name}",
                resource_group_name="rg",
                location="westeurope",
                sku="Standard",
                admin_enabled=admin,
            )
            if idle:
                UserAssignedIdentity(
                    stack, "idle", UserAssignedIdentityProps("id-idle", "rg", "westeurope")
                )
            apply_guard(stack)
        return app

    return build


def test_errors_of_every_stack_are_listed_without_traceback(tmp_path, capsys):
    outdir = tmp_path / "out"
    (outdir / "stacks" / "one").mkdir(parents=True)  # an earlier, good synth
    code = synth_or_explain(_app(outdir), str(outdir))
    err = capsys.readouterr().err
    assert code == 1, err
    assert err.startswith("synth failed: 2 error(s); nothing was written."), err
    for stack in ("one", "two"):
        assert f"  error: {stack}/acr: [acr-admin-user] " in err, (
            f"stack {stack}'s error must be listed even though cdktf stops at the first stack:\n"
            f"{err}"
        )
    assert "Traceback" not in err and "jsii" not in err and "CDKTF_CONTINUE" not in err, err
    assert not outdir.exists(), "output of an earlier synth must not survive a failed one"


def test_warnings_are_printed_and_do_not_fail(tmp_path, capsys):
    outdir = tmp_path / "out"
    code = synth_or_explain(_app(outdir, stacks=("one",), admin=False, idle=True), str(outdir))
    err = capsys.readouterr().err
    assert code == 0, err
    assert "warning: one/idle/identity: [identity-idle]" in err, err
    assert (outdir / "stacks" / "one" / "cdk.tf.json").exists(), "a warning still writes"


def test_cdktf_validation_errors_are_one_clean_line(tmp_path, capsys):
    outdir = tmp_path / "out"
    code = synth_or_explain(
        _app(outdir, stacks=("one",), admin=False, with_provider=False), str(outdir)
    )
    err = capsys.readouterr().err
    assert code == 1, err
    assert err.startswith("synth failed: Validation failed") and "provider" in err, err
    assert "Traceback" not in err, err
