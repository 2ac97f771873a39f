// Databases that fail, for tests of what the workers do when D1 does.

/** `db` with every batch refused, as D1 refuses one while a database is overloaded or locked. */
export function refusingBatches(db: D1Database, message: string): D1Database {
  return new Proxy(db, {
    get(target, prop) {
      if (prop === "batch") return () => Promise.reject(new Error(message));
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** A database that is not there at all: every call throws. */
export function unreachable(message: string): D1Database {
  const fail = () => {
    throw new Error(message);
  };
  return { prepare: fail, batch: fail, exec: fail, withSession: fail, dump: fail } as unknown as D1Database;
}

/** `testEnv` with shard `n`'s database replaced. */
export function withShard(testEnv: Env, n: number, db: D1Database): Env {
  return { ...testEnv, [`SHARD_${n}`]: db };
}
