"""Entry point for `make synth` and `cdktf synth` (see cdktf.json).

`python main.py [STACK ...]` synthesizes the named stacks: environments from
stacks/config.py and/or `bootstrap` (stacks/bootstrap.py). Default: all of them.
"""

import os
import sys


def main(argv: list[str]) -> int:
    from azure_identity_kit.synth import synth_or_explain

    from stacks import build_app

    outdir = os.environ.get("CDKTF_OUTDIR", "cdktf.out")
    return synth_or_explain(lambda: build_app(argv, outdir=outdir), outdir)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
