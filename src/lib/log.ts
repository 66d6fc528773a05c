// Structured logs: one JSON object per line, so Workers Logs can index every field.
type Level = "debug" | "info" | "warn" | "error";
const RANK: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };
let threshold: Level = "info";

/** Set from the environment at the start of each invocation (LOG_LEVEL). */
export function setLogLevel(level: string | undefined): void {
  threshold = level && level in RANK ? (level as Level) : "info";
}

export function logEvent(level: Level, event: string, fields: Record<string, unknown> = {}): void {
  if (RANK[level] < RANK[threshold]) return;
  const base = { level, event, time: new Date().toISOString() };
  // Fields never overwrite the level, the event name or the time.
  const line = JSON.stringify({ ...base, ...fields, ...base });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}
