/**
 * `fn` with its answers kept per isolate for the last `size` distinct inputs. Scans repeat the
 * same few hundred user agents (one phone model and OS version scans many codes), so answers
 * computed from one, by regular expressions that take tens of microseconds, are worth keeping.
 */
export function memoize<T>(fn: (input: string) => T, size = 2000): (input: string) => T {
  const cache = new Map<string, T>();
  return (input) => {
    if (cache.has(input)) return cache.get(input)!;
    const value = fn(input);
    if (cache.size >= size) cache.delete(cache.keys().next().value!);
    cache.set(input, value);
    return value;
  };
}
