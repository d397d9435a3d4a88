"""azure-identity-kit-review: review a Terraform plan in identity terms.

```sh
terraform show -json tfplan > plan.json
azure-identity-kit-review plan.json [--config cdk.tf.json] [--format markdown] [--fail-on high]
```
"""

import argparse

from ..access_map.build import build
from ..access_map.changes import compare as compare_access
from ..access_map.plan_sides import plan_sides
from ._cli import add_output_options, finish, guarded
from .cdktf_json import blocks
from .model import InputError, Review, load_json
from .plan import read_plan
from .rules import evaluate

PROG = "azure-identity-kit-review"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Summarize a Terraform plan and flag changes that widen what an identity "
        "can do or cut a workload off from what it needs.",
    )
    parser.add_argument("plan", help="output of `terraform show -json <planfile>`")
    parser.add_argument(
        "--config",
        action="append",
        default=[],
        metavar="CDK_TF_JSON",
        help="a synthesized cdk.tf.json (repeatable; pass the base's too) to learn "
        "prevent_destroy and references, which plan JSON does not carry",
    )
    add_output_options(parser, fail_on="high")
    args = parser.parse_args(argv)

    def run() -> int:
        doc = load_json(args.plan, "the output of `terraform show -json <planfile>`")
        configs = []
        for path in args.config:
            config = load_json(path, "a synthesized cdk.tf.json")
            try:
                blocks(config)
            except InputError as error:
                raise InputError(f"{path}: {error} (expected a cdk.tf.json)") from None
            configs.append(config)
        changes, ctx = read_plan(doc, configs)
        review = Review(f"Terraform plan {args.plan}", changes, evaluate(changes, ctx))
        before, after = plan_sides(doc, configs)
        review.access = [compare_access("", build("", before), build("", after))]
        if doc.get("errored"):
            review.notes.append("The plan errored, so this review may be incomplete.")
        return finish(review, args)

    return guarded(PROG, run)


if __name__ == "__main__":
    raise SystemExit(main())
