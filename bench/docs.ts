// npm run bench:docs — rewrites the generated part of docs/benchmarks.md from
// bench/results.json (the last full `npm run bench`). With --check, changes nothing and
// fails if the page is not what the results say (CI runs this).
import { readFileSync, writeFileSync } from "node:fs";
import { withReport, type BenchResults } from "./report.ts";

const PAGE = "docs/benchmarks.md";
const results = JSON.parse(readFileSync("bench/results.json", "utf8")) as BenchResults;
const page = readFileSync(PAGE, "utf8");
const updated = withReport(page, results);

if (process.argv.includes("--check")) {
  if (updated !== page) {
    console.error(`${PAGE} does not show bench/results.json: run npm run bench:docs`);
    process.exit(1);
  }
  console.log(`${PAGE} shows bench/results.json (${results.date})`);
} else {
  writeFileSync(PAGE, updated);
  console.log(`${PAGE} rewritten from bench/results.json (${results.date})`);
}
