"""Entry point for `make synth` and `cdktf synth` (see cdktf.json).

`python main.py [STACK ...]` synthesizes the named stacks: environments from
stacks/config.py and/or `bootstrap` (stacks/bootstrap.py). Default: all of them.
"""

import gc
import os
import sys

GC_FREEZE_ENV = "AZURE_IDENTITY_KIT_GC_FREEZE"  # also read by enable_fast_synth()


def main(argv: list[str]) -> int:
    from azure_identity_kit.synth import synth_or_explain

    from stacks import build_app

    outdir = os.environ.get("CDKTF_OUTDIR", "cdktf.out")
    return synth_or_explain(lambda: build_app(argv, outdir=outdir), outdir)


def import_for_synth() -> None:
    """Entry-point speed-ups (docs/performance.md): import the kit, cdktf and
    the provider with the garbage collector paused, then enable_fast_synth()
    (gc.freeze() what the ~400 modules created, so later collections skip it,
    and turn the bindings' runtime type checks into no-ops; the tests keep
    them). Switches: AZURE_IDENTITY_KIT_GC_FREEZE=0,
    AZURE_IDENTITY_KIT_SKIP_TYPECHECKS=0, or AZURE_IDENTITY_KIT_EAGER_PROVIDER=1
    for every speed-up."""
    eager = os.environ.get("AZURE_IDENTITY_KIT_EAGER_PROVIDER", "") not in ("", "0")
    pause = not eager and os.environ.get(GC_FREEZE_ENV, "") != "0" and gc.isenabled()
    if pause:
        gc.disable()
    try:
        from azure_identity_kit.synth import enable_fast_synth

        import stacks  # noqa: F401  (the kit, cdktf and the provider bindings)
    finally:
        if pause:
            gc.enable()
    enable_fast_synth()


if __name__ == "__main__":
    import_for_synth()
    sys.exit(main(sys.argv[1:]))
