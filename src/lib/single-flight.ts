// Concurrent callers with the same key share one run: when many monitors miss the cache
// at once, one probe round answers them all instead of one round each.
const inflight = new Map<string, Promise<unknown>>();

export function singleFlight<T>(key: string, run: () => Promise<T>): Promise<T> {
  const running = inflight.get(key) as Promise<T> | undefined;
  if (running) return running;
  const started = run().finally(() => inflight.delete(key));
  inflight.set(key, started);
  return started;
}
