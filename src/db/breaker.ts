// Remembers, per isolate, that the database is failing, so public requests during an
// outage go straight to the last known state instead of each waiting on a connection that
// will be refused or never answer. One failure may be a dropped connection: the breaker
// opens on the second in a row, for HOLD_MS, after which one request tries again.
const HOLD_MS = 10_000;
const OPEN_AFTER = 2;

const streaks = new Map<string, { since: number; failures: number; retryAt: number; reason: string }>();

/** When the current failure streak began and why, if requests should not try the database now. */
export function databaseKnownDown(identity: string, now: number): { since: number; reason: string } | null {
  const streak = streaks.get(identity);
  return streak && streak.failures >= OPEN_AFTER && now < streak.retryAt ? { since: streak.since, reason: streak.reason } : null;
}

/** Records a failure (`reason` is a public category); answers when the streak began. */
export function noteDatabaseFailure(identity: string, now: number, reason: string): number {
  const streak = streaks.get(identity);
  const since = streak?.since ?? now;
  streaks.set(identity, { since, failures: (streak?.failures ?? 0) + 1, retryAt: now + HOLD_MS, reason });
  return since;
}

export function noteDatabaseSuccess(identity: string): void {
  streaks.delete(identity);
}

/** For tests: forget every failure. */
export function resetDatabaseBreaker(): void {
  streaks.clear();
}
