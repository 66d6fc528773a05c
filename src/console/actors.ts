// Names for the actor ids the console signs in, so the audit log says who, not only an id.
import { inArray, sql } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { consoleActors } from "../db/schema.ts";
import { logEvent } from "../lib/log.ts";

// Written at most once per isolate and actor in this interval: a name seldom changes.
const REMEMBER_EVERY_MS = 10 * 60_000;
const remembered = new Map<string, number>();

export async function rememberActorName(db: Database, actorId: string, name: string, now: Date): Promise<void> {
  const last = remembered.get(actorId);
  if (last !== undefined && now.getTime() - last < REMEMBER_EVERY_MS) return;
  remembered.set(actorId, now.getTime());
  try {
    await db
      .insert(consoleActors)
      .values({ id: actorId, name, firstSeenAt: now, lastSeenAt: now })
      .onConflictDoUpdate({ target: consoleActors.id, set: { name, lastSeenAt: sql`excluded.last_seen_at` } });
  } catch (error) {
    // Signing in does not depend on it; the audit then shows the id alone.
    remembered.delete(actorId);
    logEvent("warn", "console_actor_not_recorded", { error: (error as Error).name });
  }
}

/** The names known for these actor ids. */
export async function actorNames(db: Database, ids: (string | null)[]): Promise<Map<string, string>> {
  const wanted = [...new Set(ids.filter((id): id is string => id !== null))];
  if (wanted.length === 0) return new Map();
  const rows = await db.select({ id: consoleActors.id, name: consoleActors.name }).from(consoleActors).where(inArray(consoleActors.id, wanted));
  return new Map(rows.map((r) => [r.id, r.name]));
}
