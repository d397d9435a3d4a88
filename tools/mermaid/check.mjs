// Syntax check of Mermaid diagrams with Mermaid's own parser (mermaid.parse), for the suite
// (tests/access_map). Reads a JSON array of diagram texts on stdin and writes a JSON array of
// {"ok": true, "type": <diagram type>} or {"ok": false, "error": <message>} on stdout.
// mermaid.parse() sanitizes labels with DOMPurify, which needs a DOM: linkedom gives it one
// (mermaid 11.x: mermaid 12 needs Node 22, this machine and CI have Node 20).
import { readFileSync } from "node:fs";
import { parseHTML } from "linkedom";

const { window } = parseHTML("<!doctype html><html><body></body></html>");
globalThis.window = window;
globalThis.document = window.document;
const { default: mermaid } = await import("mermaid");

const texts = JSON.parse(readFileSync(0, "utf8"));
const results = [];
for (const text of texts) {
  try {
    const parsed = await mermaid.parse(text);
    results.push({ ok: true, type: parsed.diagramType });
  } catch (error) {
    results.push({ ok: false, error: String(error?.message ?? error) });
  }
}
process.stdout.write(JSON.stringify(results));
