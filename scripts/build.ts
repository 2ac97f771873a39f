// Builds the three workers exactly as `wrangler deploy` would (--dry-run: nothing is uploaded) and
// reports each minified bundle's size. The redirector's size matters most: it runs on every scan.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import { buildDashboard, DASHBOARD_DIST } from "./build-dashboard.ts";
import { ROOT, WRANGLER_ENV } from "./lib/d1.ts";

const WORKERS = ["redirect", "ingest", "api"] as const;
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

/** Bundles one worker into dist/<worker>/index.js; returns the bundle's path. The API worker's dashboard is built first. */
export function buildWorker(worker: (typeof WORKERS)[number]): string {
  const outdir = join(ROOT, "dist", worker);
  if (worker === "api" && !existsSync(join(DASHBOARD_DIST, "index.html"))) buildDashboard();
  rmSync(outdir, { recursive: true, force: true });
  execFileSync("wrangler", ["deploy", "--dry-run", "-c", join(ROOT, `wrangler.${worker}.toml`), "--outdir", outdir], {
    env: WRANGLER_ENV,
    stdio: ["ignore", "ignore", "inherit"],
  });
  return join(outdir, "index.js");
}

if (import.meta.main) {
  const { firstLoad } = buildDashboard();
  const rows: string[] = [];
  for (const worker of WORKERS) {
    const outdir = dirname(buildWorker(worker));
    const files = readdirSync(outdir).filter((f) => f.endsWith(".js"));
    const code = Buffer.concat(files.map((f) => readFileSync(join(outdir, f))));
    rows.push(`${worker.padEnd(10)} ${kib(code.byteLength).padStart(10)} ${kib(gzipSync(code).byteLength).padStart(10)}`);
  }
  console.log(`worker     ${"minified".padStart(10)} ${"gzip".padStart(10)}\n${rows.join("\n")}`);
  const gzip = firstLoad.reduce((sum, f) => sum + f.gzip, 0);
  console.log(`dashboard first load (${firstLoad.length} files): ${kib(gzip)} gzip`);
}
