// Runs one probe against its threshold: timed, cut off once it is past the unhealthy
// limit, and classified. Probes never throw; a failure is an unhealthy result whose
// message is a public category ("unreachable", "timed out after 2000 ms"); the driver's
// own text goes to the logs only.
import type { HealthStatus } from "../db/schema.ts";
import { failureCategory, failureDetail, PublicFailure } from "../lib/failure-category.ts";
import { logEvent } from "../lib/log.ts";
import { classifyResponseTime, type Threshold } from "./thresholds.ts";

export interface ComponentHealth {
  status: HealthStatus;
  /** Whole milliseconds the probe took (or ran before it was cut off). */
  responseTime: number;
  lastChecked: string;
  /** Why the component is not healthy: a public category, never a driver's text. */
  message?: string;
}

export type Clock = () => number;

/** A probe failure described in our own words, safe for public answers. */
export class ProbeFailure extends PublicFailure {}

export async function runProbe<T>(
  threshold: Threshold,
  clock: Clock,
  probe: (signal: AbortSignal) => Promise<T>,
  component = "probe",
): Promise<{ health: ComponentHealth; value?: T }> {
  const controller = new AbortController();
  const started = clock();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new ProbeFailure(`timed out after ${threshold.unhealthyMs} ms`));
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
    const message = failureCategory(error);
    if (!(error instanceof PublicFailure)) logEvent("warn", "probe_failed", { component, category: message, detail: failureDetail(error) });
    return {
      health: {
        status: "unhealthy",
        responseTime: Math.max(0, Math.round(clock() - started)),
        lastChecked: new Date(clock()).toISOString(),
        message,
      },
    };
  } finally {
    clearTimeout(timer);
  }
}
