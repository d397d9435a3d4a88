"""Who can reach what: an access map of a synthesized stack, as JSON, Mermaid and SVG.

`build.py` reads one cdk.tf.json (or a plan side, `plan_sides.py`) into an `AccessMap` of
identities, workloads and scopes with their edges; `mermaid.py` and `dot.py` draw it,
`svg.py` renders the DOT with Graphviz compiled to WebAssembly, `changes.py` compares two
maps for the review. Like `review/`, it reads JSON only and imports no cdktf, so it runs on
a stack built anywhere.
"""
