// The benchmark's second baseline: the libraries this service is built on — Hono, zod,
// Drizzle and Neon's driver (both its Pool and its HTTP query function) — each used once,
// and nothing of ours. Its size and start-up are the floor the chosen stack sets, measured
// in the same run as the service. Not part of the service.
import { neon, Pool } from "@neondatabase/serverless";
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/neon-serverless";
import { integer, pgTable, text } from "drizzle-orm/pg-core";
import { Hono } from "hono";
import * as z from "zod";

const things = pgTable("things", { id: text("id").primaryKey(), count: integer("count") });
const Body = z.object({ id: z.string().min(1).max(10), count: z.number().int() });

const app = new Hono<{ Bindings: { DATABASE_URL: string } }>();
app.post("/things", async (c) => {
  const body = Body.parse(await c.req.json());
  const db = drizzle({ client: new Pool({ connectionString: c.env.DATABASE_URL }) });
  const rows = await db.select().from(things).where(eq(things.id, body.id));
  const [now] = await neon(c.env.DATABASE_URL)`SELECT now()`;
  return c.json({ rows, now });
});

export default app;
