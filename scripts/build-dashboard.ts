// Builds the dashboard (workers/api/dashboard) into the static assets the API worker serves:
// dist/index.html and content-hashed dist/assets/app-*.js / app-*.css, bundled and minified by
// esbuild, plus the files of dashboard/public as they are. Code the dashboard imports dynamically
// (the world map) becomes chunks of its own (dist/assets/*-*.js), fetched only when needed.
// Prints each file's size and the first load's total, gzip-compressed, and the lazy chunks' sizes. The API reference (dist/reference) is Swagger UI's
// files, as swagger-ui-dist ships them, beside dashboard/reference's page and its start script.
//
//   pnpm build:dashboard
import { buildSync } from "esbuild";
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { gzipSync } from "node:zlib";
import { ROOT } from "./lib/d1.ts";

export const DASHBOARD = join(ROOT, "workers/api/dashboard");
export const DASHBOARD_DIST = join(DASHBOARD, "dist");

export interface DashboardBuild {
  /** Files of the first load (index.html, scripts, styles), with their gzip sizes in bytes. */
  firstLoad: Array<{ file: string; bytes: number; gzip: number }>;
  /** Chunks loaded later, on demand. */
  lazy: Array<{ file: string; bytes: number; gzip: number }>;
}

/** The API reference page: Swagger UI's bundle and styles, and our page that starts it. */
function copyReference(): void {
  const target = join(DASHBOARD_DIST, "reference");
  cpSync(join(DASHBOARD, "reference"), target, { recursive: true });
  const swaggerUi = dirname(createRequire(join(DASHBOARD, "..", "package.json")).resolve("swagger-ui-dist/package.json"));
  for (const file of ["swagger-ui-bundle.js", "swagger-ui.css"]) cpSync(join(swaggerUi, file), join(target, file));
}

export function buildDashboard(): DashboardBuild {
  rmSync(DASHBOARD_DIST, { recursive: true, force: true });
  mkdirSync(DASHBOARD_DIST, { recursive: true });
  cpSync(join(DASHBOARD, "public"), DASHBOARD_DIST, { recursive: true });
  copyReference();
  const result = buildSync({
    entryPoints: { app: join(DASHBOARD, "src/main.ts") },
    bundle: true,
    minify: true,
    format: "esm",
    splitting: true,
    target: "es2022",
    outdir: DASHBOARD_DIST,
    entryNames: "assets/[name]-[hash]",
    chunkNames: "assets/[name]-[hash]",
    assetNames: "assets/[name]-[hash]",
    metafile: true,
    legalComments: "none",
    logLevel: "warning",
  });
  const outputs = result.metafile.outputs;
  const served = (f: string) => "/" + relative(DASHBOARD_DIST, join(ROOT, f));
  const entry = Object.keys(outputs).find((f) => outputs[f]!.entryPoint !== undefined && f.endsWith(".js"))!;
  // The first load: the entry, the chunks it imports statically (shared code), and its styles.
  const first = new Set<string>();
  const visit = (f: string) => {
    if (first.has(f)) return;
    first.add(f);
    for (const i of outputs[f]!.imports) if (i.kind === "import-statement") visit(i.path);
  };
  visit(entry);
  const style = outputs[entry]!.cssBundle;
  const script = served(entry);
  const preloads = [...first].filter((f) => f !== entry).map((f) => `<link rel="modulepreload" href="${served(f)}">`);
  const tags = [style && `<link rel="stylesheet" href="${served(style)}">`, ...preloads, `<script type="module" src="${script}"></script>`].filter(Boolean).join("\n    ");
  const html = readFileSync(join(DASHBOARD, "index.html"), "utf8").replace("<!-- assets -->", tags);
  writeFileSync(join(DASHBOARD_DIST, "index.html"), html);
  const sized = (file: string) => {
    const content = readFileSync(join(DASHBOARD_DIST, file));
    return { file, bytes: content.byteLength, gzip: gzipSync(content).byteLength };
  };
  const firstLoad = ["/index.html", ...[...first].map(served), ...(style ? [served(style)] : [])].map(sized);
  const lazy = Object.keys(outputs)
    .filter((f) => f.endsWith(".js") && !first.has(f))
    .map((f) => sized(served(f)));
  return { firstLoad, lazy };
}

if (import.meta.main) {
  const { firstLoad, lazy } = buildDashboard();
  const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`.padStart(10);
  for (const f of firstLoad) console.log(`${f.file.padEnd(36)} ${kib(f.bytes)} ${kib(f.gzip)} gzip`);
  const total = firstLoad.reduce((sum, f) => sum + f.gzip, 0);
  console.log(`${"first load".padEnd(36)} ${" ".repeat(10)} ${kib(total)} gzip (budget 150 KiB)`);
  for (const f of lazy) console.log(`${f.file.padEnd(36)} ${kib(f.bytes)} ${kib(f.gzip)} gzip (loaded on demand)`);
  console.log(`other files: ${readdirSync(join(DASHBOARD, "public")).join(", ") || "none"}`);
}
