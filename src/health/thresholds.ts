// The spec's threshold table. A probe is healthy below `degradedMs`, degraded from there
// up to and including `unhealthyMs`, and unhealthy beyond it (where it is also cut off).
import { positiveIntegerOr, type Env } from "../env.ts";
import type { HealthStatus } from "../db/schema.ts";

export interface Threshold {
  degradedMs: number;
  unhealthyMs: number;
}

export interface Thresholds {
  database: Threshold;
  vendor: Threshold;
}

export const DEFAULT_THRESHOLDS: Thresholds = {
  database: { degradedMs: 1000, unhealthyMs: 2000 },
  vendor: { degradedMs: 2000, unhealthyMs: 5000 },
};

export function thresholdsFromEnv(env: Env): Thresholds {
  const d = DEFAULT_THRESHOLDS;
  return {
    database: {
      degradedMs: positiveIntegerOr(env.HEALTH_DB_DEGRADED_MS, d.database.degradedMs),
      unhealthyMs: positiveIntegerOr(env.HEALTH_DB_UNHEALTHY_MS, d.database.unhealthyMs),
    },
    vendor: {
      degradedMs: positiveIntegerOr(env.HEALTH_VENDOR_DEGRADED_MS, d.vendor.degradedMs),
      unhealthyMs: positiveIntegerOr(env.HEALTH_VENDOR_UNHEALTHY_MS, d.vendor.unhealthyMs),
    },
  };
}

export function classifyResponseTime(ms: number, threshold: Threshold): HealthStatus {
  if (ms < threshold.degradedMs) return "healthy";
  if (ms <= threshold.unhealthyMs) return "degraded";
  return "unhealthy";
}
