// DOT -> SVG with Graphviz compiled to WebAssembly (@viz-js/viz), for `make access-map`
// (constructs/azure_identity_kit/access_map/svg.py). Reads a JSON array of DOT sources on
// stdin and writes a JSON array of SVG documents, in the same order, on stdout.
import { readFileSync } from "node:fs";
import { instance } from "@viz-js/viz";

const sources = JSON.parse(readFileSync(0, "utf8"));
const viz = await instance();
const svgs = sources.map((dot, index) => {
  const result = viz.render(dot, { format: "svg" });
  if (result.status !== "success") {
    const messages = result.errors.map((e) => `${e.level}: ${e.message}`).join("; ");
    process.stderr.write(`graph ${index}: ${messages}\n`);
    process.exit(1);
  }
  return result.output;
});
process.stdout.write(JSON.stringify(svgs));
