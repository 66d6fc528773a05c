// Runs one probe against its threshold: timed, cut off once it is past the unhealthy
// limit, and classified. Probes never throw; a failure is an unhealthy result.
import type { HealthStatus } from "../db/schema.ts";
import { sanitizeErrorMessage } from "../lib/sanitize.ts";
import { classifyResponseTime, type Threshold } from "./thresholds.ts";

export interface ComponentHealth {
  status: HealthStatus;
  /** Whole milliseconds the probe took (or ran before it was cut off). */
  responseTime: number;
  lastChecked: string;
  /** Why the component is not healthy, already sanitized. */
  message?: string;
}

export type Clock = () => number;

export class ProbeFailure extends Error {}

export async function runProbe<T>(
  threshold: Threshold,
  clock: Clock,
  probe: (signal: AbortSignal) => Promise<T>,
): Promise<{ health: ComponentHealth; value?: T }> {
  const controller = new AbortController();
  const started = clock();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new ProbeFailure(`no answer within ${threshold.unhealthyMs} ms`));
    }, threshold.unhealthyMs + 1);
  });
  try {
    const value = await Promise.race([probe(controller.signal), deadline]);
    const responseTime = Math.max(0, Math.round(clock() - started));
    const status = classifyResponseTime(responseTime, threshold);
    const health: ComponentHealth = { status, responseTime, lastChecked: new Date(clock()).toISOString() };
    if (status === "degraded") health.message = `slow: ${responseTime} ms (degraded from ${threshold.degradedMs} ms)`;
    if (status === "unhealthy") health.message = `too slow: ${responseTime} ms (unhealthy beyond ${threshold.unhealthyMs} ms)`;
    return { health, value };
  } catch (error) {
    return {
      health: {
        status: "unhealthy",
        responseTime: Math.max(0, Math.round(clock() - started)),
        lastChecked: new Date(clock()).toISOString(),
        message: sanitizeErrorMessage(error),
      },
    };
  } finally {
    clearTimeout(timer);
  }
}
