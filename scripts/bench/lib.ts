// Shared pieces of the benchmarks: workers run by Miniflare directly (no `wrangler dev` proxy,
// which would dominate every figure), with in-memory local D1, KV and Queues.
import { readD1Migrations } from "@cloudflare/vitest-plugin";
import { Miniflare, convertV4MiniflareOptions } from "miniflare";
import { join } from "node:path";
import { ROOT } from "../lib/d1.ts";

export const COMPATIBILITY_DATE = "2026-08-01";

type V4Options = Parameters<typeof convertV4MiniflareOptions>[0];

export function miniflare(options: V4Options): Miniflare {
  return new Miniflare(convertV4MiniflareOptions({ compatibilityDate: COMPATIBILITY_DATE, modules: true, ...options } as V4Options));
}

export async function migrate(db: D1Database): Promise<void> {
  for (const migration of await readD1Migrations(join(ROOT, "migrations"))) {
    for (const query of migration.queries) await db.prepare(query).run();
  }
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function table(headers: string[], rows: Array<Array<string | number>>): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(cells[0]!), line(widths.map((w) => "-".repeat(w))), ...cells.slice(1).map(line)].join("\n");
}

export const machine = async () => {
  const os = await import("node:os");
  return `${os.cpus().length} × ${os.cpus()[0]?.model ?? "CPU"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
};
