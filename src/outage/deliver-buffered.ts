// Delivers the outage buffer's notifications while Postgres is down: the same attempt,
// backoff and give-up rules as the Postgres outbox, with the buffer holding the state.
import { attemptDelivery, count, LEASE_MS, type ChannelConfig, type DeliveryRun } from "../alerts/deliver.ts";
import type { OutageBufferApi } from "./buffer-client.ts";

export async function deliverBufferedNotifications(buffer: OutageBufferApi, now: Date, config: ChannelConfig, fetcher: typeof fetch): Promise<DeliveryRun> {
  const run: DeliveryRun = { sent: 0, retrying: 0, failed: 0, skipped: 0 };
  for (const notification of await buffer.claimNotifications(now, LEASE_MS)) {
    const outcome = await attemptDelivery(notification, config, fetcher, now);
    await buffer.settleNotification(notification.id, { ...outcome, at: now });
    count(run, outcome);
  }
  return run;
}
