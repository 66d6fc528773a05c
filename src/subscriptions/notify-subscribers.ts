// The minute cron's subscription work, in order: the day-before reminders are announced,
// new announcements become deliveries, and what is due is sent (at most the configured
// number a minute, so 10,000 subscribers are served over a few runs within the Worker's
// limits). Each step is idempotent on its own, so a run cut off anywhere is finished by
// the next, and overlapping runs send nothing twice.
import type { Database } from "../db/client.ts";
import { deliverToSubscribers, type SubscriberRun } from "./deliver.ts";
import { announceReminders, fanOut } from "./fanout.ts";
import type { SubscriptionSettings } from "./settings.ts";

export async function notifySubscribers(
  db: Database,
  settings: SubscriptionSettings,
  now: Date,
  fetcher: typeof fetch,
  clock: () => number = Date.now,
): Promise<{ reminded: number; events: number; deliveries: number } & SubscriberRun> {
  const { reminded } = await announceReminders(db, now);
  const fanned = await fanOut(db, now);
  const run = await deliverToSubscribers({
    db,
    now,
    fetch: fetcher,
    key: settings.key,
    site: settings.site,
    resend: settings.resend,
    perMinute: settings.perMinute,
    emailRequestsPerSecond: settings.emailRequestsPerSecond,
    clock,
  });
  return { reminded, ...fanned, ...run };
}
