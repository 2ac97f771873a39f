// Storage is a control database (binding CONTROL: workspaces, API keys, the short-code directory,
// dead letters) and a fixed pool of shard databases (SHARD_0 ... SHARD_{N-1}: everything else of
// the workspaces assigned to each), declared once in config/shards.json and bound to the API and
// ingest workers by `pnpm config:sync`. A workspace's shard is stored with it in CONTROL.

/** The bindings of a worker with storage: CONTROL, and SHARD_<n> for every shard. */
export interface Databases {
  CONTROL: D1Database;
}

const SHARD_BINDING = /^SHARD_(\d+)$/;
const counts = new WeakMap<object, number>();

/** How many shards the worker is bound to: SHARD_0 to SHARD_{N-1}, with no gap. */
export function shardCount(env: Databases): number {
  let count = counts.get(env);
  if (count === undefined) {
    const numbers = Object.keys(env)
      .flatMap((key) => SHARD_BINDING.exec(key)?.[1] ?? [])
      .map(Number)
      .sort((a, b) => a - b);
    if (numbers.length === 0 || numbers.some((n, i) => n !== i)) {
      throw new Error(`the shard bindings must be SHARD_0 to SHARD_<N-1>; found ${numbers.map((n) => `SHARD_${n}`).join(", ") || "none"}`);
    }
    count = numbers.length;
    counts.set(env, count);
  }
  return count;
}

/** Every shard's number, in order. */
export function shardNumbers(env: Databases): number[] {
  return Array.from({ length: shardCount(env) }, (_, n) => n);
}

/** Whether `n` names a shard this worker is bound to. */
export function isShard(env: Databases, n: unknown): n is number {
  return typeof n === "number" && Number.isInteger(n) && n >= 0 && n < shardCount(env);
}

/** Shard `n`'s database; a shard this deployment does not have is a bug or a stale config, never a default. */
export function shardDb(env: Databases, n: number): D1Database {
  if (!isShard(env, n)) throw new Error(`no shard ${n}: this deployment binds SHARD_0 to SHARD_${shardCount(env) - 1}`);
  return (env as unknown as Record<string, D1Database>)[`SHARD_${n}`]!;
}

export function controlDb(env: Databases): D1Database {
  return env.CONTROL;
}

/**
 * A D1 session as the D1Database that packages/db's functions take: they only prepare statements
 * and run batches, which a session does alike, with its sequential consistency.
 */
export function sessionDatabase(session: D1DatabaseSession): D1Database {
  const unavailable = (what: string) => () => {
    throw new Error(`${what} is not available in a D1 session`);
  };
  return {
    prepare: (query: string) => session.prepare(query),
    batch: <T>(statements: D1PreparedStatement[]) => session.batch<T>(statements),
    exec: unavailable("exec"),
    withSession: unavailable("withSession"),
    dump: unavailable("dump"),
  } as D1Database;
}
