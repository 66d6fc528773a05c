import { describe, expect, it } from "vitest";
import { callWorker, freshDatabase, vendorScope, roundTrips } from "./support/harness";

describe("smoke", () => {
  it("answers health", async () => {
    const db = await freshDatabase();
    const vendors = vendorScope();
    const res = await callWorker("/api/portal/health", { DATABASE_URL: db, ...vendors.env });
    const body = await res.json();
    console.log(JSON.stringify(body, null, 1), res.status);
    const s = await callWorker("/api/portal/status", { DATABASE_URL: db, ...vendors.env });
    console.log(JSON.stringify(await s.json(), null, 1), await roundTrips(db));
  });
});
