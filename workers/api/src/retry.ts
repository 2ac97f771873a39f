// A write that must not be lost to a passing failure (D1 can drop a connection or be briefly
// overloaded, and never retries a write itself), or a read that has no answer left to fail with,
// is tried again a few times, a little later each time; the last failure is thrown, never
// swallowed.
const ATTEMPTS = 3;
const FIRST_DELAY_MS = 100;

/** Runs `write` until it succeeds, at most ATTEMPTS times (100 ms, then 200 ms apart). It must be safe to run twice. */
export async function retried<T>(write: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (err) {
      if (attempt >= ATTEMPTS) throw err;
      await new Promise((resolve) => setTimeout(resolve, FIRST_DELAY_MS * 2 ** (attempt - 1)));
    }
  }
}
