// `pnpm bench`: every benchmark in turn, each in its own process so that one's Miniflare and
// database do not weigh on the next. Each prints its own figures and ratios.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "../lib/d1.ts";

const BENCHMARKS = ["redirect.ts", "ingest.ts", "aggregation.ts", "no-loss.ts"];

for (const bench of BENCHMARKS) {
  console.log(`\n=== ${bench}`);
  execFileSync(process.execPath, [join(ROOT, "scripts/bench", bench), ...process.argv.slice(2)], { stdio: "inherit" });
}
