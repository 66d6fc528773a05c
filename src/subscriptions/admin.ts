// What admins see and do with subscriptions: find subscribers (by address or status), see
// what each was sent, remove one, resume one that was paused, and see each notification's
// progress. Audit rows name the subscriber by id and channel, never by address, so the
// audit log keeps no personal data once the subscriber is gone.
import { and, desc, eq, ilike, sql, type SQL } from "drizzle-orm";
import { recordAudit } from "../audit/record.ts";
import type { Database } from "../db/client.ts";
import {
  notificationEvents,
  subscriberDeliveries,
  subscribers,
  type NOTIFICATION_KINDS,
  type NOTIFICATION_STATUSES,
  type Subscriber,
  type SUBSCRIBER_STATUSES,
} from "../db/schema.ts";
import { DomainError } from "../lib/domain-error.ts";
import type { Announcement } from "./announce.ts";
import { describe } from "./messages.ts";

export interface SubscriberQuery {
  /** Part of the address, any case. */
  search?: string;
  status?: (typeof SUBSCRIBER_STATUSES)[number];
  channel?: Subscriber["channel"];
  component?: string;
  /** Subscribers created before this one (the previous page's last id). */
  before?: string;
  limit: number;
}

export interface SubscriberView {
  id: string;
  channel: Subscriber["channel"];
  address: string;
  components: string[];
  status: Subscriber["status"];
  createdAt: string;
  confirmedAt: string | null;
  unsubscribedAt: string | null;
  pausedAt: string | null;
  pauseReason: string | null;
  consecutiveFailures: number;
}

const view = (s: Subscriber): SubscriberView => ({
  id: s.id,
  channel: s.channel,
  address: s.address,
  components: s.components,
  status: s.status,
  createdAt: s.createdAt.toISOString(),
  confirmedAt: s.confirmedAt?.toISOString() ?? null,
  unsubscribedAt: s.unsubscribedAt?.toISOString() ?? null,
  pausedAt: s.pausedAt?.toISOString() ?? null,
  pauseReason: s.pauseReason,
  consecutiveFailures: s.consecutiveFailures,
});

const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** Newest first; `before` pages on. */
export async function listSubscribers(db: Database, query: SubscriberQuery): Promise<SubscriberView[]> {
  const where: SQL[] = [];
  if (query.search) where.push(ilike(subscribers.address, likePattern(query.search)));
  if (query.status) where.push(eq(subscribers.status, query.status));
  if (query.channel) where.push(eq(subscribers.channel, query.channel));
  if (query.component) where.push(sql`(${query.component} = ANY (${subscribers.components}) OR cardinality(${subscribers.components}) = 0)`);
  if (query.before) {
    where.push(sql`(${subscribers.createdAt}, ${subscribers.id}) < (SELECT created_at, id FROM subscribers WHERE id = ${query.before})`);
  }
  const rows = await db
    .select()
    .from(subscribers)
    .where(and(...where))
    .orderBy(desc(subscribers.createdAt), desc(subscribers.id))
    .limit(query.limit);
  return rows.map(view);
}

export interface DeliveryView {
  id: string;
  eventId: string;
  kind: (typeof NOTIFICATION_KINDS)[number];
  status: (typeof NOTIFICATION_STATUSES)[number];
  attempts: number;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
  nextAttemptAt: string | null;
}

/** A subscriber and its latest deliveries. */
export async function readSubscriber(db: Database, id: string, deliveries = 50): Promise<{ subscriber: SubscriberView; deliveries: DeliveryView[] }> {
  const [subscriber] = await db.select().from(subscribers).where(eq(subscribers.id, id));
  if (!subscriber) throw new DomainError("not_found", "SUBSCRIBER_NOT_FOUND", `No subscriber ${id}`);
  const rows = await db
    .select({ d: subscriberDeliveries, kind: notificationEvents.kind })
    .from(subscriberDeliveries)
    .innerJoin(notificationEvents, eq(notificationEvents.id, subscriberDeliveries.eventId))
    .where(eq(subscriberDeliveries.subscriberId, id))
    .orderBy(desc(subscriberDeliveries.createdAt), desc(subscriberDeliveries.id))
    .limit(deliveries);
  return {
    subscriber: view(subscriber),
    deliveries: rows.map(({ d, kind }) => ({
      id: d.id,
      eventId: d.eventId,
      kind,
      status: d.status,
      attempts: d.attempts,
      lastError: d.lastError,
      createdAt: d.createdAt.toISOString(),
      sentAt: d.sentAt?.toISOString() ?? null,
      nextAttemptAt: d.status === "pending" ? d.nextAttemptAt.toISOString() : null,
    })),
  };
}

const auditView = (s: Subscriber) => ({ channel: s.channel, status: s.status, components: s.components });

/** Deletes the subscriber and everything sent or pending to it. */
export async function removeSubscriber(db: Database, id: string, actorId: string): Promise<void> {
  await db.transaction(async (tx) => {
    const [gone] = await tx.delete(subscribers).where(eq(subscribers.id, id)).returning();
    if (!gone) throw new DomainError("not_found", "SUBSCRIBER_NOT_FOUND", `No subscriber ${id}`);
    await recordAudit(tx, { actorId, action: "subscriber.remove", entity: "subscriber", entityKey: id, before: auditView(gone), after: null });
  });
}

/** A paused subscriber receives again from the next run (messages skipped while paused stay skipped). */
export async function resumeSubscriber(db: Database, id: string, actorId: string): Promise<SubscriberView> {
  return db.transaction(async (tx) => {
    const [before] = await tx.select().from(subscribers).where(eq(subscribers.id, id)).for("update");
    if (!before) throw new DomainError("not_found", "SUBSCRIBER_NOT_FOUND", `No subscriber ${id}`);
    if (before.status !== "paused") throw new DomainError("conflict", "SUBSCRIBER_NOT_PAUSED", `Subscriber ${id} is ${before.status}, not paused`);
    const [after] = await tx
      .update(subscribers)
      .set({ status: "active", pausedAt: null, pauseReason: null, consecutiveFailures: 0 })
      .where(eq(subscribers.id, id))
      .returning();
    await recordAudit(tx, { actorId, action: "subscriber.resume", entity: "subscriber", entityKey: id, before: auditView(before), after: auditView(after!) });
    return view(after!);
  });
}

export interface NotificationView {
  id: string;
  kind: (typeof NOTIFICATION_KINDS)[number];
  components: string[];
  subject: string;
  createdAt: string;
  fannedOutAt: string | null;
  deliveries: { pending: number; sent: number; failed: number; skipped: number };
}

/** The latest notifications and how far each has gone. */
export async function listNotifications(db: Database, options: { limit: number; before?: string }): Promise<NotificationView[]> {
  const rows = await db
    .select({
      e: notificationEvents,
      pending: sql<number>`count(*) FILTER (WHERE ${subscriberDeliveries.status} = 'pending')::int`,
      sent: sql<number>`count(*) FILTER (WHERE ${subscriberDeliveries.status} = 'sent')::int`,
      failed: sql<number>`count(*) FILTER (WHERE ${subscriberDeliveries.status} = 'failed')::int`,
      skipped: sql<number>`count(*) FILTER (WHERE ${subscriberDeliveries.status} = 'skipped')::int`,
    })
    .from(notificationEvents)
    .leftJoin(subscriberDeliveries, eq(subscriberDeliveries.eventId, notificationEvents.id))
    .where(
      options.before
        ? sql`(${notificationEvents.createdAt}, ${notificationEvents.id}) < (SELECT created_at, id FROM notification_events WHERE id = ${options.before})`
        : undefined,
    )
    .groupBy(notificationEvents.id)
    .orderBy(desc(notificationEvents.createdAt), desc(notificationEvents.id))
    .limit(options.limit);
  return rows.map(({ e, ...deliveries }) => ({
    id: e.id,
    kind: e.kind,
    components: e.components,
    subject: describe(e.kind, e.message as unknown as Announcement).subject,
    createdAt: e.createdAt.toISOString(),
    fannedOutAt: e.fannedOutAt?.toISOString() ?? null,
    deliveries,
  }));
}
