// Builds the three workers exactly as `wrangler deploy` would (--dry-run: nothing is uploaded) and
// reports each one's size: its minified script, and everything uploaded with it (WebAssembly and
// data modules), gzipped as Cloudflare counts it against a Worker's limit (3 MB on the Free plan,
// 10 MB on Paid). The redirector's size matters most: it runs on every scan.
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
    const uploaded = readdirSync(outdir).filter((f) => !f.endsWith(".map") && f !== "README.md");
    const read = (files: string[]) => Buffer.concat(files.map((f) => readFileSync(join(outdir, f))));
    const script = read(uploaded.filter((f) => f.endsWith(".js")));
    const all = read(uploaded);
    rows.push(
      `${worker.padEnd(10)} ${kib(script.byteLength).padStart(10)} ${kib(gzipSync(script).byteLength).padStart(10)} ${String(uploaded.length).padStart(8)} ${kib(all.byteLength).padStart(11)} ${kib(gzipSync(all).byteLength).padStart(11)}`,
    );
  }
  console.log(`worker     ${"script".padStart(10)} ${"gzip".padStart(10)} ${"modules".padStart(8)} ${"all".padStart(11)} ${"all gzip".padStart(11)}\n${rows.join("\n")}`);
  console.log("limit: 3 MB gzip (Free plan), 10 MB gzip (Paid plan)");
  const gzip = firstLoad.reduce((sum, f) => sum + f.gzip, 0);
  console.log(`dashboard first load (${firstLoad.length} files): ${kib(gzip)} gzip`);
}
