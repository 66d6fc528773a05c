import { useEmbeddedPostgres, withClient } from "./lib/postgres.ts";
const pgs = await useEmbeddedPostgres();
const url = await pgs.createDatabase("x");
for (const [t, a, b] of [["Later", "3 days", "3 days 2 hours"], ["Just inside", "7 days -1 minute", "7 days 1 hour"]]) {
  try {
    await withClient(url, (c) => c.query(`INSERT INTO maintenance_windows (title, description, scheduled_start, scheduled_end, status, affects_portal, affects_crm)
     VALUES ($1, 'test window', now() + $2::interval, now() + $3::interval, $4, $5, $6)`, [t, a, b, "scheduled", true, false]));
    console.log("ok", t);
  } catch (e) { console.log("ERR", t, String(e)); }
}
console.log(await withClient(url, (c) => c.query("select title from maintenance_windows")).then(r => r.rows));
await pgs.close();
