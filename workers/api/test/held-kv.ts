// A KV binding that holds a request mid-run, for tests of what concurrent requests see meanwhile.

/** A LINKS binding whose first put waits, once it has been reached, until released. */
export function holdFirstPut(kv: KVNamespace) {
  let reached!: () => void;
  let release!: () => void;
  const arrived = new Promise<void>((resolve) => (reached = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  let held = false;
  const gated = new Proxy(kv, {
    get(target, prop) {
      if (prop === "put" && !held) {
        held = true;
        return async (...args: Parameters<KVNamespace["put"]>) => {
          reached();
          await released;
          return target.put(...args);
        };
      }
      const value = Reflect.get(target, prop) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { kv: gated, arrived, release };
}
