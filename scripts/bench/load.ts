// A closed-loop HTTP load generator: `connections` clients, each sending its next request as soon
// as the previous answer arrives, for `durationMs` or until `requests` have been sent. Requests go
// to loopback addresses only.
import { Agent, request } from "node:http";

export interface LoadResult {
  requests: number;
  seconds: number;
  statuses: Map<number, number>;
  errors: number;
  latenciesMs: number[];
}

export async function runLoad(options: {
  url: string;
  connections: number;
  durationMs?: number;
  requests?: number;
  headers?: Record<string, string>;
}): Promise<LoadResult> {
  const target = new URL(options.url);
  if (!["127.0.0.1", "localhost", "[::1]"].includes(target.hostname)) throw new Error("load is only ever sent to this machine");
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections });
  const statuses = new Map<number, number>();
  const latenciesMs: number[] = [];
  let errors = 0;
  const started = performance.now();
  const deadline = started + (options.durationMs ?? Infinity);
  let remaining = options.requests ?? Infinity;

  const once = () =>
    new Promise<void>((resolve) => {
      const t = performance.now();
      const req = request(target, { agent, method: "GET", headers: options.headers }, (res) => {
        res.resume();
        res.on("end", () => {
          latenciesMs.push(performance.now() - t);
          statuses.set(res.statusCode ?? 0, (statuses.get(res.statusCode ?? 0) ?? 0) + 1);
          resolve();
        });
      });
      req.setTimeout(10_000, () => req.destroy(new Error("timeout")));
      req.on("error", () => {
        errors++;
        resolve();
      });
      req.end();
    });

  await Promise.all(
    Array.from({ length: options.connections }, async () => {
      while (performance.now() < deadline && remaining-- > 0) await once();
    }),
  );
  agent.destroy();
  return { requests: latenciesMs.length, seconds: (performance.now() - started) / 1000, statuses, errors, latenciesMs };
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
}
