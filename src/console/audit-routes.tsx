/** @jsxImportSource hono/jsx */
// The whole audit log, filtered by entity, key, actor and time, a page at a time.
import { Hono } from "hono";
import { z } from "zod";
import { readAuditCompact } from "../audit/read-audit.ts";
import type { AppEnv } from "../env.ts";
import { actorNames } from "./actors.ts";
import { AuditPage, type AuditFilter } from "./audit-pages.tsx";
import { Instant, Text } from "../http/input.ts";
import { utcInstant } from "./forms.ts";
import { actorIdForEmail } from "./identity.ts";
import { html, noErrors, takeFlash } from "./layout.tsx";

const PAGE = 100;
const ENTITIES = ["flag", "maintenance", "incident", "subscriber"];

export const consoleAuditRoutes = new Hono<AppEnv>().get("/audit", async (c) => {
  const q = (name: string) => (c.req.query(name) ?? "").trim().slice(0, 320);
  const filter: AuditFilter = { entity: q("entity"), key: q("key"), actor: q("actor"), from: q("from"), to: q("to") };
  const errors = noErrors();
  // The admin API's own checks: a time it accepts, text Postgres can store.
  const instant = (field: "from" | "to") => {
    if (!filter[field]) return undefined;
    const parsed = Instant.safeParse(utcInstant(filter[field]));
    if (!parsed.success) errors.fields[field] = "Not a date and time (UTC, 1970–9999)";
    return parsed.success ? new Date(parsed.data) : undefined;
  };
  if (filter.entity && !ENTITIES.includes(filter.entity)) errors.fields.entity = `One of ${ENTITIES.join(", ")}`;
  const key = Text({ max: 200 }).safeParse(filter.key);
  if (!key.success) errors.fields.key = key.error.issues[0]?.message ?? "Not a key or id";
  let actorId: string | undefined;
  if (filter.actor) {
    if (z.uuid().safeParse(filter.actor).success) actorId = filter.actor.toLowerCase();
    // Any address Access signs in (international ones too), as access.ts reads it.
    else if (/^[^\s@]+@[^\s@]+$/.test(filter.actor)) actorId = await actorIdForEmail(filter.actor.toLowerCase());
    else errors.fields.actor = "An actor id (uuid) or an email";
  }
  const before = Number(c.req.query("before"));
  const db = c.get("database")();
  const query = {
    entity: filter.entity || undefined,
    key: filter.key || undefined,
    since: instant("from"),
    until: instant("to"),
    actorId,
    beforeSeq: Number.isSafeInteger(before) && before > 0 ? before : undefined,
    limit: PAGE,
  };
  const entries = Object.keys(errors.fields).length > 0 ? [] : await readAuditCompact(db, query);
  const names = await actorNames(
    db,
    entries.map((e) => e.actorId),
  );
  const last = entries.at(-1);
  const older = entries.length === PAGE && last ? `/admin/audit?${new URLSearchParams({ ...filter, before: String(last.seq) })}` : null;
  return html(
    c,
    Object.keys(errors.fields).length > 0 ? 400 : 200,
    <AuditPage
      user={c.get("consoleUser")}
      entries={entries}
      actorNames={names}
      filter={filter}
      errors={errors}
      entities={ENTITIES}
      olderHref={older}
      notices={takeFlash(c)}
    />,
  );
});
