// `npm run report:daily [-- YYYY-MM-DD]` and `npm run audit:flags`: print the reports from a
// running Worker (BASE_URL, default http://127.0.0.1:8787; ADMIN_TOKEN, default the dev token).
import type { DailyReport } from "../src/reports/daily-report.ts";
import type { FlagAudit } from "../src/reports/flag-audit.ts";

const [kind, date] = process.argv.slice(2);
const base = (process.env.BASE_URL ?? "http://127.0.0.1:8787").replace(/\/$/, "");
const token = process.env.ADMIN_TOKEN ?? "dev-admin-token";
const path = kind === "flags" ? "/api/admin/reports/flags" : `/api/admin/reports/daily${date ? `?date=${encodeURIComponent(date)}` : ""}`;

const response = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } }).catch((error: unknown) => {
  console.error(`Could not reach ${base}: ${String(error)}. Is \`npm run dev\` running?`);
  process.exit(1);
});
const body = (await response.json()) as { success: boolean; data: unknown; error?: { code: string; message: string } };
if (!body.success) {
  console.error(`${response.status} ${body.error?.code}: ${body.error?.message}`);
  process.exit(1);
}

if (kind === "flags") {
  const a = body.data as FlagAudit;
  console.log(`Feature-flag audit, ${a.generatedAt}`);
  console.log(`  flags: ${a.totalFlags} of ${a.flagLimit}${a.overBudget ? " (budget used up)" : ""}, ${a.disabledFlags} switched off`);
  console.log(`  fully on for ${a.staleAfterDays}+ days (remove): ${a.staleFlags.length ? "" : "none"}`);
  for (const f of a.staleFlags) console.log(`    ${f.key.padEnd(32)} ${f.daysAtFullRollout} d (since ${f.fullRolloutSince})${f.owner ? `, ${f.owner}` : ""}`);
  console.log(`  past their remove-by date: ${a.pastRemoveBy.length ? "" : "none"}`);
  for (const f of a.pastRemoveBy) console.log(`    ${f.key.padEnd(32)} due ${f.removeBy} (${f.daysPast} d ago)${f.owner ? `, ${f.owner}` : ""}`);
  console.log(`  rollouts in progress: ${a.rolloutsInProgress.length ? "" : "none"}`);
  for (const r of a.rolloutsInProgress) {
    const errors = r.stepErrorRate === null ? "" : `, ${(r.stepErrorRate * 100).toFixed(2)}% errors this step`;
    const hold = r.status === "held" ? ` — held: ${r.holdReason}` : "";
    console.log(
      `    ${r.key.padEnd(32)} ${r.status} at ${r.rolloutPercentage}% (step ${r.step} of ${r.totalSteps}, ${r.startPercentage}% → ${r.endPercentage}%)${errors}${hold}`,
    );
  }
  console.log(`  adoption over 7 days: ${a.adoption.length ? "" : "nothing counted"}`);
  for (const f of a.adoption) console.log(`    ${f.key.padEnd(32)} ${f.adoptionPercent}% of ${f.customersEvaluated} customers`);
} else {
  const r = body.data as DailyReport;
  console.log(`Daily health report, ${r.date} (UTC), from the ${r.source === "rollup" ? "daily roll-up" : "raw logs"}`);
  console.log(
    `  ${"component".padEnd(10)} ${"checks".padStart(6)} ${"uptime".padStart(9)} ${"p50".padStart(6)} ${"p95".padStart(6)} ${"p99".padStart(6)}  excluded (maintenance)`,
  );
  for (const c of r.components) {
    const uptime = c.uptimePercent === null ? "n/a" : `${Number(c.uptimePercent).toFixed(3)}%`;
    console.log(
      `  ${c.component.padEnd(10)} ${String(c.checks).padStart(6)} ${uptime.padStart(9)} ${String(c.p50Ms ?? "-").padStart(6)} ${String(c.p95Ms ?? "-").padStart(6)} ${String(c.p99Ms ?? "-").padStart(6)}  ${c.excludedChecks} checks, ${Math.round(c.excludedSeconds / 60)} min`,
    );
  }
  if (r.components.length === 0) console.log("  no health checks recorded that day");
  console.log(`  incidents: ${r.incidents.length ? "" : "none"}`);
  for (const i of r.incidents) console.log(`    ${i.component} ${i.status}: ${i.message ?? ""} (${i.startedAt} → ${i.resolvedAt ?? "open"})`);
  console.log(`  maintenance: ${r.maintenance.length ? "" : "none"}`);
  for (const m of r.maintenance) console.log(`    ${m.title} (${m.status}) ${m.scheduledStart} → ${m.scheduledEnd}`);
}
