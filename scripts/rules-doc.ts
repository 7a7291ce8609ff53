// npm run rules-doc [-- --check]: write docs/rules.md from the rules' metadata, or check that it is current.
import { readFileSync, writeFileSync } from "node:fs";
import { rules } from "../src/validate/index.ts";
import { renderRulesDoc, rulesDocPath } from "../src/validate/rules-doc.ts";

const expected = renderRulesDoc(rules);
if (process.argv.includes("--check")) {
  let current = "";
  try {
    current = readFileSync(rulesDocPath, "utf8");
  } catch {
    // A missing file is stale like any other.
  }
  if (current !== expected) {
    process.stderr.write(`${rulesDocPath} is stale: run npm run rules-doc and commit it\n`);
    process.exitCode = 1;
  }
} else {
  writeFileSync(rulesDocPath, expected);
}
