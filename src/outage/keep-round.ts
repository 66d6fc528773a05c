// Where each minute's probe round goes. Postgres first, within the database's unhealthy
// threshold. When that fails the round goes to the outage buffer, which also evaluates the
// alert rules over what it holds; when it succeeds, whatever the buffer still holds is
// written back (oldest first, each row once) and the buffer forgets it. Either way the
// round is kept unless both Postgres and the buffer fail, and then the run says so.
import type { Database } from "../db/client.ts";
import { insertLogRows, type ProbeRoundRecord } from "../health/record-checks.ts";
import type { AutoIncidentPolicy } from "../incidents/auto-incidents.ts";
import { withDeadline } from "../lib/deadline.ts";
import { failureCategory, failureDetail, PublicFailure } from "../lib/failure-category.ts";
import { logEvent } from "../lib/log.ts";
import type { OutageBufferApi } from "./buffer-client.ts";
import type { Handover, RecordOutcome } from "./outage-buffer.ts";
import { writeBack, type WriteBack } from "./write-back.ts";

export type KeptRound =
  | {
      database: "up";
      logged: number;
      /** What the buffer handed back this run, or why nothing was asked. */
      buffer: WriteBack | "empty" | "unavailable" | "none";
    }
  | ({ database: "down"; reason: string } & RecordOutcome);

/** A round neither Postgres nor the outage buffer could take. */
export class RoundLost extends PublicFailure {}

export interface KeepRoundDeps {
  db: Database;
  buffer: OutageBufferApi | null;
  now: Date;
  writeTimeoutMs: number;
  /** Automatic incidents, to record the ones the buffered rounds show; null when off. */
  incidents: AutoIncidentPolicy | null;
}

export async function keepProbeRound(deps: KeepRoundDeps, round: ProbeRoundRecord): Promise<KeptRound> {
  const { db, buffer, now } = deps;
  let logged: number;
  try {
    logged = await withDeadline(insertLogRows(db, round.rows), deps.writeTimeoutMs, "health log write");
  } catch (error) {
    const reason = failureCategory(error);
    logEvent("warn", "health_log_write_failed", { category: reason, detail: failureDetail(error) });
    if (!buffer) throw new RoundLost(`round lost: database ${reason} and no outage buffer is configured`);
    try {
      return { database: "down", reason, ...(await buffer.record(round, now)) };
    } catch (bufferError) {
      throw new RoundLost(`round lost: database ${reason} and outage buffer ${failureCategory(bufferError)}`);
    }
  }
  if (!buffer) return { database: "up", logged, buffer: "none" };

  let handover: Handover;
  try {
    handover = await buffer.handover(now);
  } catch (error) {
    logEvent("warn", "outage_buffer_unavailable", { use: "write back", category: failureCategory(error), detail: failureDetail(error) });
    return { database: "up", logged, buffer: "unavailable" };
  }
  if (handover.rounds.length === 0 && handover.alerts.length === 0 && handover.notifications.length === 0) return { database: "up", logged, buffer: "empty" };
  // A failure here fails the job; nothing is lost: the buffer keeps everything until acknowledged.
  const written = await writeBack(db, handover, now, deps.incidents);
  logEvent("info", "outage_buffer_written_back", { ...written, outageSince: handover.outageSince });
  try {
    await buffer.acknowledge({
      roundIds: handover.rounds.map((r) => r.id),
      alerts: handover.alerts.map((a) => ({ name: a.name, changedAt: a.changedAt })),
      notificationIds: handover.notifications.map((n) => n.id),
    });
  } catch (error) {
    // Offered again next run; writing it back again changes nothing.
    logEvent("warn", "outage_buffer_unavailable", { use: "acknowledge", category: failureCategory(error), detail: failureDetail(error) });
  }
  return { database: "up", logged, buffer: written };
}
