// A recorder's batch into Postgres in one statement (so it lands whole or not at all):
// counts added to their hour's row, sketches merged into their day's row. Sketches travel
// sparse (only the registers set), which is most of them on a quiet day.
import { sql } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { REGISTERS, type Sketch } from "./hyperloglog.ts";
import type { SignalBatch } from "./recorder.ts";

const sparse = (sketch: Sketch) => {
  const pairs: [number, number][] = [];
  for (let i = 0; i < sketch.length; i++) if (sketch[i]! > 0) pairs.push([i + 1, sketch[i]!]);
  return pairs;
};

/** The dense register array (1-based positions, 0 where unset) from the JSON pairs in `field`. */
const dense = (field: string) =>
  sql.raw(`ARRAY(SELECT coalesce(p.v, 0)::smallint FROM generate_series(1, ${REGISTERS}) AS g(i)
      LEFT JOIN (SELECT (x->>0)::int AS i, (x->>1)::smallint AS v FROM jsonb_array_elements(e->'${field}') AS x) AS p ON p.i = g.i
      ORDER BY g.i)`);

export async function writeSignals(db: Database, batch: SignalBatch): Promise<void> {
  const counts = batch.counts;
  const adoption = JSON.stringify(batch.adoption.map((a) => ({ day: a.day, flagKey: a.flagKey, evaluated: sparse(a.evaluated), enabled: sparse(a.enabled) })));
  await db.execute(sql`
    WITH counts AS (
      INSERT INTO flag_signal_hours (hour, flag_key, signal, count, value_sum)
      SELECT * FROM unnest(${sql.param(counts.map((c) => c.hour))}::timestamptz[], ${sql.param(counts.map((c) => c.flagKey))}::text[],
                           ${sql.param(counts.map((c) => c.signal))}::text[], ${sql.param(counts.map((c) => c.count))}::bigint[],
                           ${sql.param(counts.map((c) => c.valueSum))}::float8[])
      ON CONFLICT (hour, flag_key, signal) DO UPDATE
        SET count = flag_signal_hours.count + EXCLUDED.count, value_sum = flag_signal_hours.value_sum + EXCLUDED.value_sum
      RETURNING 1
    ), adoption AS (
      INSERT INTO flag_adoption_days (day, flag_key, evaluated, enabled)
      SELECT (e->>'day')::date, e->>'flagKey', ${dense("evaluated")}, ${dense("enabled")}
      FROM jsonb_array_elements(${adoption}::jsonb) AS e
      ON CONFLICT (day, flag_key) DO UPDATE
        SET evaluated = hll_merge(flag_adoption_days.evaluated, EXCLUDED.evaluated),
            enabled = hll_merge(flag_adoption_days.enabled, EXCLUDED.enabled)
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM counts) AS counts, (SELECT count(*) FROM adoption) AS adoption`);
}
