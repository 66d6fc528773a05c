// Reports go to the chat and webhook channels through the alert outbox (retries, backoff,
// never dropped). One notification per report, period and channel: its id is derived
// from the three, so a rerun or an overlapping cron run posts nothing twice.
import { sql } from "drizzle-orm";
import { reportPayload } from "../alerts/payloads.ts";
import type { Database, Transaction } from "../db/client.ts";
import { alertNotifications } from "../db/schema.ts";

const CHANNELS = ["slack", "webhook"] as const;

/** A UUID named by `name` (SHA-256, laid out as a version-8 UUID). */
async function namedUuid(name: string): Promise<string> {
  const bytes = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(name))).slice(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Queues `title` for `period` (e.g. the report's date); answers how many were new. */
export async function postReport(
  db: Database | Transaction,
  now: Date,
  report: { event: string; period: string; title: string; lines: string[]; data: unknown },
): Promise<number> {
  const rows = await Promise.all(
    CHANNELS.map(async (channel) => ({
      id: await namedUuid(`${report.event}:${report.period}:${channel}`),
      event: report.event,
      channel,
      payload: reportPayload(channel, report.title, report.lines, report.data),
      nextAttemptAt: now,
    })),
  );
  const inserted = await db.insert(alertNotifications).values(rows).onConflictDoNothing({ target: alertNotifications.id }).returning({ id: sql`id` });
  return inserted.length;
}
