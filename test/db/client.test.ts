import { sql as statement } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { databaseFault, freshDatabase, roundTrips, sql, withDatabase } from "../support/harness.ts";

// The relay counts round trips as the database endpoint sees them: an HTTP statement is
// one; a WebSocket connection costs its upgrade and start-up before its statements.
describe("the database client", () => {
  let databaseUrl: string;
  beforeAll(async () => {
    databaseUrl = await freshDatabase();
  });

  it("sends a statement outside a transaction as one HTTP request: one round trip, connection set-up included", async () => {
    const before = await roundTrips(databaseUrl);
    const rows = await withDatabase(databaseUrl, async (db) => (await db.execute<{ n: number; at: string }>(statement`SELECT 41 + 1 AS n, now() AS at`)).rows);
    expect(await roundTrips(databaseUrl)).toBe(before + 1);
    expect(rows).toEqual([{ n: 42, at: expect.any(String) }]);
  });

  it("runs a transaction on a WebSocket connection: upgrade, start-up, BEGIN, the statement, COMMIT", async () => {
    const before = await roundTrips(databaseUrl);
    await withDatabase(databaseUrl, (db) => db.transaction((tx) => tx.execute(statement`SELECT 1`)));
    expect(await roundTrips(databaseUrl)).toBe(before + 5);
  });

  it("keeps a transaction's statements on its connection, and rolls them all back together", async () => {
    await sql(databaseUrl, "CREATE TABLE client_probe (n int PRIMARY KEY)");
    await expect(
      withDatabase(databaseUrl, (db) =>
        db.transaction(async (tx) => {
          await tx.execute(statement`INSERT INTO client_probe VALUES (1)`);
          // Seen inside the transaction, so the statement ran on the same connection.
          expect((await tx.execute(statement`SELECT count(*)::int AS n FROM client_probe`)).rows).toEqual([{ n: 1 }]);
          await tx.execute(statement`INSERT INTO client_probe VALUES (1)`);
        }),
      ),
    ).rejects.toThrow();
    expect(await sql(databaseUrl, "SELECT n FROM client_probe")).toEqual([]);
  });

  it("reports a Postgres error from the HTTP path with its SQLSTATE, as the WebSocket path does", async () => {
    const error = await withDatabase(databaseUrl, (db) => db.execute(statement`SELECT 1/0`)).catch((e: unknown) => e);
    const cause = (error as { cause?: { code?: string } }).cause ?? error;
    expect((cause as { code?: string }).code).toBe("22012");
  });

  it("gives types back as the WebSocket path does: numbers, booleans, arrays, json and timestamps as text", async () => {
    const query = statement`SELECT 1::int AS i, 2::bigint AS b, true AS t, ARRAY['a','b']::text[] AS arr, '{"k":1}'::jsonb AS j,
                                   '2030-01-01T00:00:00Z'::timestamptz AS ts, NULL::text AS nothing`;
    const overHttp = await withDatabase(databaseUrl, async (db) => (await db.execute(query)).rows);
    const overWebSocket = await withDatabase(databaseUrl, (db) => db.transaction(async (tx) => (await tx.execute(query)).rows));
    expect(overHttp).toEqual(overWebSocket);
    expect(overHttp[0]).toMatchObject({ i: 1, b: "2", t: true, arr: ["a", "b"], j: { k: 1 }, nothing: null });
  });

  it("fails a statement fast when the database is refused, and keeps counting the attempts", async () => {
    await databaseFault(databaseUrl, { refuse: true });
    try {
      const before = await roundTrips(databaseUrl);
      await expect(withDatabase(databaseUrl, (db) => db.execute(statement`SELECT 1`))).rejects.toThrow();
      expect(await roundTrips(databaseUrl)).toBe(before + 1);
    } finally {
      await databaseFault(databaseUrl, null);
    }
  });
});
