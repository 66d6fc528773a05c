// The every-minute job: windows start at scheduled_start and complete at scheduled_end on
// their own, unless their metadata says otherwise: `autoStart: false`, `autoComplete:
// false`, or `waitForOperator: true` (a late window then stays in progress until someone
// completes it). Each UPDATE only matches windows still in the old state, so a rerun or an
// overlapping run changes nothing twice.
import { sql } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { maintenanceWindows } from "../db/schema.ts";
import { recordAudit } from "../audit/record.ts";
import { announceMaintenance } from "../subscriptions/announce.ts";

export interface MaintenanceRun {
  started: string[];
  completed: string[];
}

export async function applyMaintenanceTransitions(db: Database, now: Date): Promise<MaintenanceRun> {
  const at = now.toISOString();
  return db.transaction(async (tx) => {
    // A window the cron missed entirely (the database was down for all of it, say) is
    // started and completed in the same run, at its scheduled times; a late run never
    // stamps an end past the scheduled one (the roll-ups would exclude real downtime).
    const started = await tx
      .update(maintenanceWindows)
      .set({ status: "in_progress", actualStart: sql`CASE WHEN scheduled_end <= ${at}::timestamptz THEN scheduled_start ELSE ${at}::timestamptz END` })
      .where(sql`status = 'scheduled' AND scheduled_start <= ${at}::timestamptz AND coalesce((metadata->>'autoStart')::boolean, true)`)
      .returning();
    const completed = await tx
      .update(maintenanceWindows)
      .set({ status: "completed", actualEnd: sql`LEAST(${at}::timestamptz, scheduled_end)` })
      .where(
        sql`status = 'in_progress' AND scheduled_end <= ${at}::timestamptz
          AND coalesce((metadata->>'autoComplete')::boolean, true)
          AND NOT coalesce((metadata->>'waitForOperator')::boolean, false)`,
      )
      .returning();
    for (const window of started) await announceMaintenance(tx, "maintenance.started", window);
    for (const window of completed) await announceMaintenance(tx, "maintenance.completed", window);
    await recordAudit(tx, [
      ...started.map((w) => ({
        actorId: null,
        action: "maintenance.start",
        entity: "maintenance",
        entityKey: w.id,
        before: { status: "scheduled" },
        after: { status: "in_progress", actualStart: w.actualStart?.toISOString() ?? at, automatic: true },
      })),
      ...completed.map((w) => ({
        actorId: null,
        action: "maintenance.complete",
        entity: "maintenance",
        entityKey: w.id,
        before: { status: "in_progress" },
        after: { status: "completed", actualEnd: w.actualEnd?.toISOString() ?? at, automatic: true },
      })),
    ]);
    return { started: started.map((w) => w.id), completed: completed.map((w) => w.id) };
  });
}
