// How an answer built from the last known state says so: JSON gains `stale`,
// `generatedAt` (when its data was read, null when nothing was known) and
// `unavailableSince`; every format gets `Age` (seconds since that data was read) and
// `Cache-Control: no-store`, so no cache downstream keeps it as if it were live. No
// `Warning` header: RFC 9111 obsoletes it.

export interface Degraded {
  unavailableSince: Date;
  generatedAt: Date | null;
  reason: string;
}

export function staleMarkers(degraded: Degraded) {
  return { stale: true as const, generatedAt: degraded.generatedAt?.toISOString() ?? null, unavailableSince: degraded.unavailableSince.toISOString() };
}

export function degradedHeaders(degraded: Degraded, now: Date): Record<string, string> {
  return {
    "Cache-Control": "no-store",
    Age: String(degraded.generatedAt ? Math.max(0, Math.floor((now.getTime() - degraded.generatedAt.getTime()) / 1000)) : 0),
  };
}
