"""Review infrastructure changes in identity terms.

Two front ends feed one rule engine: `plan.py` reads `terraform show -json`
output, `synth_diff.py` compares two synthesized cdktf outdirs. Both produce
`Change` objects; `rules.py` turns them into `Flag`s; `render.py` prints them.
Standard library only, and no cdktf import: a review must run anywhere a plan
or a cdk.tf.json can be read.
"""
