// The spec's threshold table (its values are the defaults in wrangler.toml). A probe is
// healthy below `degradedMs`, degraded from there up to and including `unhealthyMs`, and
// unhealthy beyond it (where it is also cut off).
import type { HealthStatus } from "../db/schema.ts";

export interface Threshold {
  degradedMs: number;
  unhealthyMs: number;
}

export interface Thresholds {
  database: Threshold;
  vendor: Threshold;
}

export function classifyResponseTime(ms: number, threshold: Threshold): HealthStatus {
  if (ms < threshold.degradedMs) return "healthy";
  if (ms <= threshold.unhealthyMs) return "degraded";
  return "unhealthy";
}
