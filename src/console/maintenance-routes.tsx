/** @jsxImportSource hono/jsx */
// The console's maintenance actions, through the admin API's schema and domain functions.
import { Hono, type Context } from "hono";
import { z } from "zod";
import { readAuditCompact } from "../audit/read-audit.ts";
import type { AppEnv } from "../env.ts";
import { NewWindow } from "../maintenance/routes.ts";
import { createMaintenance, getMaintenance, listMaintenance, schedulingWarnings, transitionMaintenance } from "../maintenance/write-maintenance.ts";
import { actorNames } from "./actors.ts";
import { all, attempt, formValues, number, orMissing, readForm, statusFor, text, utcInstant, validate } from "./forms.ts";
import { doneRedirect, html, noErrors, problemPage, takeFlash, type FormErrors } from "./layout.tsx";
import { emptySchedule, MaintenanceListPage, MaintenancePage, type ScheduleForm } from "./maintenance-pages.tsx";

async function listPage(c: Context<AppEnv>, schedule: ScheduleForm, status: 200 | 400 | 409 = 200) {
  // What is coming and what ended in the last 90 days; older windows stay in the audit log.
  const windows = await listMaintenance(c.get("database")(), { from: new Date(Date.now() - LISTED_DAYS * 86_400_000) });
  return html(c, status, <MaintenanceListPage user={c.get("consoleUser")} windows={windows} schedule={schedule} notices={takeFlash(c)} />);
}

const WindowId = z.uuid();
const LISTED_DAYS = 90;

async function windowPage(c: Context<AppEnv>, id: string, errors: FormErrors = noErrors(), status: 200 | 409 = 200) {
  const db = c.get("database")();
  const window = await getMaintenance(db, id);
  const audit = await readAuditCompact(db, { entity: "maintenance", key: id, limit: 50 });
  const names = await actorNames(
    db,
    audit.map((a) => a.actorId),
  );
  return html(
    c,
    status,
    <MaintenancePage user={c.get("consoleUser")} window={window} audit={audit} actorNames={names} errors={errors} notices={takeFlash(c)} />,
  );
}

const notFound = (c: Context<AppEnv>) => problemPage(c, 404, "No such window", "There is no maintenance window with that id.");

export const consoleMaintenanceRoutes = new Hono<AppEnv>()
  .get("/maintenance", (c) => listPage(c, emptySchedule()))
  .post("/maintenance", async (c) => {
    const form = await readForm(c);
    const schedule: ScheduleForm = {
      ...emptySchedule(),
      values: formValues(form),
      components: all(form, "components"),
    };
    const expected = number(form, "expectedDurationMinutes");
    if (expected !== undefined && !(typeof expected === "number" && Number.isInteger(expected) && expected > 0 && expected <= 525_600)) {
      schedule.errors.fields.expectedDurationMinutes = "A whole number of minutes, above 0";
    }
    const description = text(form, "description").trim();
    const input = validate(
      NewWindow,
      {
        title: text(form, "title"),
        ...(description && { description }),
        scheduledStart: utcInstant(text(form, "scheduledStart")),
        scheduledEnd: utcInstant(text(form, "scheduledEnd")),
        ...(schedule.components.length > 0 ? { components: schedule.components } : { affectsPortal: true }),
        ...(expected !== undefined && { metadata: { expectedDurationMinutes: expected } }),
      },
      schedule.errors,
    );
    if (!input || Object.keys(schedule.errors.fields).length > 0) return listPage(c, schedule, 400);
    const window = { ...input, scheduledStart: new Date(input.scheduledStart), scheduledEnd: new Date(input.scheduledEnd) };
    // The spec's advice is shown before the window is saved; the person decides.
    schedule.warnings = schedulingWarnings(window, new Date());
    // Confirmed only as seen: a warning the person was not shown (the window changed since) is shown first.
    const confirmed = text(form, "intent") === "confirm" && text(form, "seen") === schedule.warnings.join("\n");
    if (schedule.warnings.length > 0 && !confirmed) return listPage(c, schedule, 200);
    const change = await attempt(() => createMaintenance(c.get("database")(), window, c.get("actorId")), schedule.errors, [
      "scheduledStart",
      "scheduledEnd",
      "title",
    ]);
    if (!change) return listPage(c, { ...schedule, warnings: [] }, statusFor(schedule.errors));
    return doneRedirect(c, `/admin/maintenance/${change.window.id}`, [
      { tone: "info", text: "Window scheduled" },
      ...change.warnings.map((text) => ({ tone: "warn" as const, text })),
    ]);
  })
  .get("/maintenance/:id", async (c) => {
    const id = WindowId.safeParse(c.req.param("id"));
    if (!id.success) return notFound(c);
    return orMissing(
      () => windowPage(c, id.data),
      () => notFound(c),
    );
  })
  .post("/maintenance/:id/:move{start|complete|cancel}", async (c) => {
    const id = WindowId.safeParse(c.req.param("id"));
    if (!id.success) return notFound(c);
    const move = c.req.param("move") as "start" | "complete" | "cancel";
    const errors = noErrors();
    return orMissing(
      async () => {
        const window = await attempt(() => transitionMaintenance(c.get("database")(), id.data, move, c.get("actorId")), errors, []);
        if (window) {
          const said = { start: "Maintenance started", complete: "Maintenance completed", cancel: "Window cancelled" }[move];
          return doneRedirect(c, `/admin/maintenance/${id.data}`, [{ tone: "info", text: said }]);
        }
        return windowPage(c, id.data, errors, 409);
      },
      () => notFound(c),
    );
  });
