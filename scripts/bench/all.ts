// `pnpm bench`: every benchmark in turn at its defaults, each in its own process so that one's
// Miniflare and database do not weigh on the next. Each prints its own figures and ratios; their
// options differ, so they are given to one at a time (`pnpm bench:ingest --rounds 3`).
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "../lib/d1.ts";

const BENCHMARKS = ["redirect.ts", "ingest.ts", "aggregation.ts", "no-loss.ts", "cost.ts", "bulk.ts", "qr.ts"];

if (process.argv.length > 2) {
  console.error("pnpm bench takes no options: give them to one benchmark, e.g. pnpm bench:cost --scans 100000");
  process.exit(2);
}

// A benchmark that fails (an answer that differs, a refusal) does not keep the others from
// printing their figures: the run fails at the end, naming it.
const failed: string[] = [];
for (const bench of BENCHMARKS) {
  console.log(`\n=== ${bench}`);
  try {
    execFileSync(process.execPath, [join(ROOT, "scripts/bench", bench)], { stdio: "inherit" });
  } catch {
    failed.push(bench);
  }
}
if (failed.length) {
  console.error(`\nFailed: ${failed.join(", ")}`);
  process.exit(1);
}
