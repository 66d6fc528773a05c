// The operator console through the Worker, as a browser uses it: who may sign in and how,
// what a forged, expired or cross-site request gets (refused, nothing written), and that
// every action lands through the admin API's domain functions: same validation, same audit.
import fc from "fast-check";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Config } from "../../src/config.ts";
import { actorIdForEmail, tokenFingerprint } from "../../src/console/identity.ts";
import { encodeSession, sessionKey } from "../../src/console/session.ts";
import { ACTOR, ADMIN_TOKEN, ADMIN_TOKENS } from "../support/admin.ts";
import { consoleBrowser, textOf } from "../support/console.ts";
import { databaseFault, emptyTables, freshDatabase, harness, sql } from "../support/harness.ts";

let databaseUrl: string;
const auditRows = () =>
  sql<{ actor_id: string | null; action: string; entity_key: string }>(databaseUrl, "SELECT actor_id, action, entity_key FROM audit_log ORDER BY seq");
const flag = async (key: string) => (await sql<Record<string, any>>(databaseUrl, "SELECT * FROM feature_flags WHERE key = $1", [key]))[0];
const COOKIE = "__Host-phs_console";
const ACCESS = { ACCESS_TEAM_DOMAIN: harness.HARNESS_VENDORS_URL, ACCESS_AUD: "test-console-aud" };

async function accessToken(claims: { email: string; aud?: string; iss?: string; expiresInSeconds?: number }): Promise<string> {
  const response = await fetch(`${harness.HARNESS_VENDORS_URL}/__access/token`, {
    method: "POST",
    body: JSON.stringify({ aud: ACCESS.ACCESS_AUD, ...claims }),
  });
  return ((await response.json()) as { token: string }).token;
}

/** A session cookie signed with the real key, with the times a test wants. */
async function craftedSession(times: { auth: number; exp: number }): Promise<string> {
  const key = await sessionKey({ console: { sessionKey: undefined }, adminTokens: ADMIN_TOKENS } as Config)!;
  const tok = tokenFingerprint(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(ADMIN_TOKEN)));
  return encodeSession(key, { sub: ACTOR, name: "crafted", via: "token", sid: "crafted-session", tok, ...times });
}

beforeAll(async () => {
  databaseUrl = await freshDatabase();
});
beforeEach(async () => {
  await emptyTables(databaseUrl);
  await sql(databaseUrl, "INSERT INTO feature_flags (key, name, enabled, rollout_percentage) VALUES ('portal_ai_chat', 'AI chat', true, 0)");
});

describe("signing in", () => {
  it("sends every console page without a session to the sign-in page, and remembers where it was going", async () => {
    const browser = consoleBrowser(() => databaseUrl);
    for (const path of ["/admin", "/admin/flags", "/admin/flags/portal_ai_chat", "/admin/maintenance", "/admin/incidents", "/admin/health", "/admin/audit"]) {
      const page = await browser.get(path);
      expect(page.status, path).toBe(303);
      expect(page.location).toBe(`/admin/sign-in?next=${encodeURIComponent(path)}`);
    }
    const signIn = await browser.get("/admin/sign-in?next=/admin/maintenance");
    expect(signIn.status).toBe(200);
    expect(signIn.html).toContain('name="next" value="/admin/maintenance"');
    // Never an address outside the console.
    expect((await browser.get("/admin/sign-in?next=https://evil.example/")).html).toContain('name="next" value="/admin/flags"');
  });

  it("refuses a wrong token with 401 and no session, and never shows what was typed", async () => {
    const browser = consoleBrowser(() => databaseUrl);
    const page = await browser.post("/admin/sign-in", { token: "guess-1234" });
    expect(page.status).toBe(401);
    expect(textOf(page.html)).toContain("That is not an admin token");
    expect(page.html).not.toContain("guess-1234");
    expect(browser.jar.size).toBe(0);
  });

  it("over HTTPS, gives a __Host- session cookie: HttpOnly, Secure, SameSite=Strict, short-lived; the token appears nowhere", async () => {
    const browser = consoleBrowser(() => databaseUrl, { origin: "https://status.example.com" });
    const page = await browser.post("/admin/sign-in", { token: ADMIN_TOKEN, next: "/admin/incidents" });
    expect(page.status).toBe(303);
    expect(page.location).toBe("/admin/incidents");
    const cookie = page.headers.getSetCookie().find((c) => c.startsWith("__Host-phs_console="))!;
    expect(cookie).toMatch(/; Max-Age=3600/);
    expect(cookie).toMatch(/; Path=\//);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; Secure/);
    expect(cookie).toMatch(/; SameSite=Strict/);
    expect(cookie).not.toContain(ADMIN_TOKEN);
    const flags = await browser.get("/admin/flags");
    expect(flags.status).toBe(200);
    expect(flags.html).not.toContain(ADMIN_TOKEN);
    expect(flags.headers.get("cache-control")).toBe("no-store, private");
    expect(flags.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
  });

  it("answers an unknown console path with a page: after sign-in a 404, before it the sign-in", async () => {
    const browser = consoleBrowser(() => databaseUrl);
    expect((await browser.get("/admin/nowhere")).status).toBe(303);
    await browser.signIn();
    const page = await browser.get("/admin/nowhere");
    expect(page.status).toBe(404);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect((await browser.get("/admin/flags/portal_ai_chat/percentage")).status).toBe(404);
  });

  it("answers a flag, window or incident that does not exist with a 404 page, for pages and forms alike", async () => {
    const browser = consoleBrowser(() => databaseUrl);
    await browser.signIn();
    const missing = "6f1c2a8e-4444-4a2b-9c3d-000000000001";
    for (const [method, path, title] of [
      ["GET", "/admin/flags/portal_missing", "No such flag"],
      ["POST", "/admin/flags/portal_missing/percentage", "No such flag"],
      ["GET", `/admin/maintenance/${missing}`, "No such window"],
      ["POST", `/admin/maintenance/${missing}/start`, "No such window"],
      ["GET", `/admin/incidents/${missing}`, "No such incident"],
      ["POST", `/admin/incidents/${missing}/resolve`, "No such incident"],
    ] as const) {
      const page = method === "GET" ? await browser.get(path) : await browser.post(path, { rolloutPercentage: "5" });
      expect(page.status, path).toBe(404);
      expect(textOf(page.html), path).toContain(title);
    }
  });

  it("signs out: the cookie is cleared and the next page asks to sign in", async () => {
    const browser = consoleBrowser(() => databaseUrl);
    await browser.signIn();
    expect((await browser.post("/admin/sign-out")).location).toBe("/admin/sign-in");
    expect((await browser.get("/admin/flags")).status).toBe(303);
  });

  it("renews a session in use once half its time is gone, never past 12 hours from signing in", async () => {
    const now = Math.floor(Date.now() / 1000);
    const browser = consoleBrowser(() => databaseUrl);
    browser.jar.set(COOKIE, await craftedSession({ auth: now - 1000, exp: now + 600 }));
    const renewed = await browser.get("/admin/flags");
    expect(renewed.status).toBe(200);
    expect(renewed.headers.getSetCookie().find((c) => c.startsWith(`${COOKIE}=`))).toMatch(/Max-Age=3600/);
    const old = consoleBrowser(() => databaseUrl);
    old.jar.set(COOKIE, await craftedSession({ auth: now - 12 * 3600 - 5, exp: now + 600 }));
    expect((await old.get("/admin/flags")).status).toBe(303);
  });
});

describe("refused, and nothing written", () => {
  const setPercentage = (browser: ReturnType<typeof consoleBrowser>, headers?: Record<string, string>, form: Record<string, string> = {}) =>
    browser.post("/admin/flags/portal_ai_chat/percentage", { rolloutPercentage: "25", ...form }, headers);

  it("a forged session (its payload changed, its signature kept)", async () => {
    const browser = consoleBrowser(() => databaseUrl);
    await browser.signIn();
    const [body, signature] = browser.jar.get(COOKIE)!.split(".");
    const payload = JSON.parse(atob(body!.replace(/-/g, "+").replace(/_/g, "/")));
    const forged = btoa(JSON.stringify({ ...payload, sub: "00000000-0000-4000-8000-00000000dead" }))
      .replace(/=+$/, "")
      .replace(/\+/g, "-")
      .replace(/\//g, "_");
    browser.jar.set(COOKIE, `${forged}.${signature}`);
    expect((await setPercentage(browser)).status).toBe(401);
    expect((await browser.get("/admin/flags")).status).toBe(303);
    expect((await flag("portal_ai_chat"))!.rollout_percentage).toBe(0);
    expect(await auditRows()).toEqual([]);
  });

  it("an expired session", async () => {
    const now = Math.floor(Date.now() / 1000);
    const browser = consoleBrowser(() => databaseUrl);
    browser.jar.set(COOKIE, await craftedSession({ auth: now - 4000, exp: now - 1 }));
    const page = await setPercentage(browser);
    expect(page.status).toBe(401);
    expect(textOf(page.html)).toContain("Your session has ended");
    expect((await flag("portal_ai_chat"))!.rollout_percentage).toBe(0);
  });

  it("a session signed by another deployment's key (ADMIN_TOKENS rotated)", async () => {
    const browser = consoleBrowser(() => databaseUrl);
    await browser.signIn();
    const rotated = consoleBrowser(() => databaseUrl, { env: { ADMIN_TOKENS: `${ACTOR}=a-new-token-after-rotation` } });
    rotated.jar.set(COOKIE, browser.jar.get(COOKIE)!);
    expect((await rotated.get("/admin/flags")).status).toBe(303);
  });

  it.each([
    ["Sec-Fetch-Site: cross-site", { "sec-fetch-site": "cross-site" }],
    ["Sec-Fetch-Site: same-site (a sibling subdomain)", { "sec-fetch-site": "same-site" }],
    ["an Origin of another site", { "sec-fetch-site": "", origin: "https://evil.example" }],
  ])("a cross-site form post (%s), even with a valid session and form token", async (_name, headers) => {
    const browser = consoleBrowser(() => databaseUrl);
    await browser.signIn();
    const page = await setPercentage(browser, headers);
    expect(page.status).toBe(403);
    expect(textOf(page.html)).toContain("sent from another site");
    expect((await flag("portal_ai_chat"))!.rollout_percentage).toBe(0);
    expect(await auditRows()).toEqual([]);
  });

  it("a post without the form token, or with another session's", async () => {
    const browser = consoleBrowser(() => databaseUrl);
    await browser.signIn();
    const other = consoleBrowser(() => databaseUrl);
    await other.signIn();
    expect((await setPercentage(browser, {}, { _csrf: "" })).status).toBe(403);
    expect((await setPercentage(browser, {}, { _csrf: other.formToken })).status).toBe(403);
    expect((await flag("portal_ai_chat"))!.rollout_percentage).toBe(0);
  });

  it("the one-click developer sign-in anywhere but a loopback host", async () => {
    const env = { CONSOLE_DEV_ACTOR: "00000000-0000-4000-8000-000000000001" };
    const remote = consoleBrowser(() => databaseUrl, { env });
    expect((await remote.get("/admin/sign-in")).html).not.toContain("local developer");
    expect((await remote.post("/admin/sign-in/developer")).status).toBe(403);
    expect(remote.jar.size).toBe(0);
    const local = consoleBrowser(() => databaseUrl, { env, origin: "http://127.0.0.1:8787" });
    expect((await local.get("/admin/sign-in")).html).toContain("Sign in as the local developer");
    expect((await local.post("/admin/sign-in/developer")).status).toBe(303);
    expect((await local.get("/admin/flags")).status).toBe(200);
  });
});

describe("refused, and nothing written (continued)", () => {
  it("a session whose admin token was removed from ADMIN_TOKENS, even with CONSOLE_SESSION_KEY set", async () => {
    const env = { CONSOLE_SESSION_KEY: "a-fixed-console-key" };
    const browser = consoleBrowser(() => databaseUrl, { env });
    await browser.signIn();
    const revoked = consoleBrowser(() => databaseUrl, { env: { ...env, ADMIN_TOKENS: "00000000-0000-4000-8000-0000000000b2=test-admin-token-b2" } });
    revoked.jar.set(COOKIE, browser.jar.get(COOKIE)!);
    expect((await revoked.get("/admin/flags")).status).toBe(303);
    expect((await revoked.request("POST", "/admin/flags/portal_ai_chat/percentage", { _csrf: browser.formToken, rolloutPercentage: "25" })).status).toBe(401);
    expect((await flag("portal_ai_chat"))!.rollout_percentage).toBe(0);
  });

  it("plain HTTP anywhere but a loopback host: pages go to HTTPS, forms are refused", async () => {
    const browser = consoleBrowser(() => databaseUrl, { origin: "http://status.example.com" });
    const page = await browser.get("/admin/sign-in");
    expect(page.status).toBe(308);
    expect(page.location).toBe("https://status.example.com/admin/sign-in");
    const signIn = await browser.post("/admin/sign-in", { token: ADMIN_TOKEN });
    expect(signIn.status).toBe(403);
    expect(signIn.headers.getSetCookie()).toEqual([]);
  });

  it("a form sent with anything but on or off to the switch", async () => {
    const browser = consoleBrowser(() => databaseUrl);
    await browser.signIn();
    expect((await browser.post("/admin/flags/portal_ai_chat/state", {})).status).toBe(400);
    expect((await browser.post("/admin/flags/portal_ai_chat/state", { enabled: "yes" })).status).toBe(400);
    expect((await flag("portal_ai_chat"))!.enabled).toBe(true);
    expect(await auditRows()).toEqual([]);
  });

  it("details saved over someone else's newer change (409, reload first)", async () => {
    const browser = consoleBrowser(() => databaseUrl);
    await browser.signIn();
    const page = await browser.get("/admin/flags/portal_ai_chat");
    const version = /name="version" value="([^"]+)"/.exec(page.html)![1]!;
    await browser.post("/admin/flags/portal_ai_chat/percentage", { rolloutPercentage: "5" });
    const stale = await browser.post("/admin/flags/portal_ai_chat/details", { version, name: "AI chat", metadata: "{}" });
    expect(stale.status).toBe(409);
    expect(textOf(stale.html)).toContain("The flag was changed since you opened this page");
    const fresh = /name="version" value="([^"]+)"/.exec((await browser.get("/admin/flags/portal_ai_chat")).html)![1]!;
    expect((await browser.post("/admin/flags/portal_ai_chat/details", { version: fresh, name: "AI chat v2", metadata: "{}" })).status).toBe(303);
    expect((await flag("portal_ai_chat"))!.name).toBe("AI chat v2");
  });

  it("a window with an expected duration that is not a whole number of minutes", async () => {
    const browser = consoleBrowser(() => databaseUrl);
    await browser.signIn();
    for (const expected of ["abc", "-5", "1e309", "2.5"]) {
      const page = await browser.post("/admin/maintenance", {
        title: "Upgrade",
        scheduledStart: "2027-01-10T02:00",
        scheduledEnd: "2027-01-10T04:00",
        expectedDurationMinutes: expected,
        intent: "confirm",
      });
      expect(page.status, expected).toBe(400);
      expect(page.html).toContain('id="m-expected-error">A whole number of minutes, above 0');
    }
    expect(await sql(databaseUrl, "SELECT 1 FROM maintenance_windows")).toEqual([]);
  });

  it("answers 503, not a refusal, while the Access team's keys cannot be fetched", async () => {
    const browser = consoleBrowser(() => databaseUrl, { env: { ...ACCESS, ACCESS_TEAM_DOMAIN: `${harness.HARNESS_VENDORS_URL}/no-such-team` } });
    const page = await browser.get("/admin/flags", { "cf-access-jwt-assertion": await accessToken({ email: "ops@example.com" }) });
    expect(page.status).toBe(503);
    expect(page.headers.get("retry-after")).toBe("30");
  });
});

describe("behind Cloudflare Access", () => {
  const access = (token: string) => ({ "cf-access-jwt-assertion": token });

  it("signs in the assertion's email, records changes under its actor and names it in the audit log", async () => {
    const browser = consoleBrowser(() => databaseUrl, { env: ACCESS });
    const token = await accessToken({ email: "Ops@Example.com" });
    const page = await browser.get("/admin/flags", access(token));
    expect(page.status).toBe(200);
    expect(textOf(page.html)).toContain("Signed in as ops@example.com (Cloudflare Access)");
    const changed = await browser.post("/admin/flags/portal_ai_chat/percentage", { rolloutPercentage: "25" }, access(token));
    expect(changed.status).toBe(303);
    const actor = await actorIdForEmail("ops@example.com");
    expect(await auditRows()).toEqual([{ actor_id: actor, action: "flag.update", entity_key: "portal_ai_chat" }]);
    expect(await sql(databaseUrl, "SELECT id, name FROM console_actors")).toEqual([{ id: actor, name: "ops@example.com" }]);
    const audit = await browser.get("/admin/audit?actor=ops%40example.com", access(token));
    expect(textOf(audit.html)).toMatch(/ops@example\.com flag\.update flag portal_ai_chat rolloutPercentage: 0 → 25/);
  });

  it.each([
    ["another application's audience", { email: "ops@example.com", aud: "another-app" }],
    ["another team's issuer", { email: "ops@example.com", iss: "https://other-team.cloudflareaccess.com" }],
    ["an expired assertion", { email: "ops@example.com", expiresInSeconds: -120 }],
  ])("refuses %s with 403, and writes nothing", async (_name, claims) => {
    const browser = consoleBrowser(() => databaseUrl, { env: ACCESS });
    const good = await browser.get("/admin/flags", access(await accessToken({ email: "ops@example.com" })));
    expect(good.status).toBe(200);
    const bad = await accessToken(claims);
    const page = await browser.get("/admin/flags", access(bad));
    expect(page.status).toBe(403);
    expect(page.html).not.toContain(bad);
    expect((await browser.post("/admin/flags/portal_ai_chat/percentage", { rolloutPercentage: "25" }, access(bad))).status).toBe(403);
    expect((await flag("portal_ai_chat"))!.rollout_percentage).toBe(0);
  });

  it("refuses an assertion whose signature does not match", async () => {
    const browser = consoleBrowser(() => databaseUrl, { env: ACCESS });
    const token = await accessToken({ email: "ops@example.com" });
    const [header, payload] = token.split(".");
    const other = await accessToken({ email: "admin@example.com" });
    expect((await browser.get("/admin/flags", access(`${header}.${other.split(".")[1]}.${token.split(".")[2]}`))).status).toBe(403);
    expect((await browser.get("/admin/flags", access(`${header}.${payload}.AAAA`))).status).toBe(403);
    expect((await browser.get("/admin/flags", access("not-a-jwt"))).status).toBe(403);
  });
});

describe("changes through the admin API's rules", () => {
  it("sets a flag's percentage and back, each audited under the signed-in actor, with the result said on the next page", async () => {
    const browser = consoleBrowser(() => databaseUrl);
    await browser.signIn();
    const set = await browser.post("/admin/flags/portal_ai_chat/percentage", { rolloutPercentage: "25" });
    expect(set.status).toBe(303);
    expect(set.location).toBe("/admin/flags/portal_ai_chat");
    expect(textOf((await browser.get(set.location!)).html)).toContain("portal_ai_chat is at 25 %");
    await browser.post("/admin/flags/portal_ai_chat/percentage", { rolloutPercentage: "0" });
    expect(await auditRows()).toEqual([
      { actor_id: ACTOR, action: "flag.update", entity_key: "portal_ai_chat" },
      { actor_id: ACTOR, action: "flag.update", entity_key: "portal_ai_chat" },
    ]);
    const history = textOf((await browser.get("/admin/flags/portal_ai_chat")).html);
    expect(history).toContain("rolloutPercentage: 0 → 25");
    expect(history).toContain("rolloutPercentage: 25 → 0");
  });

  it("shows the API's validation next to the field, with 400, and changes nothing", async () => {
    const browser = consoleBrowser(() => databaseUrl);
    await browser.signIn();
    const page = await browser.post("/admin/flags/portal_ai_chat/percentage", { rolloutPercentage: "150" });
    expect(page.status).toBe(400);
    expect(page.html).toMatch(/id="percentage"[^>]*aria-invalid="true"/);
    expect(page.html).toMatch(/<span class="error" id="percentage-error">Too big: expected number to be &lt;=100<\/span>/);
    expect(page.html).toContain('value="150"');
    const created = await browser.post("/admin/flags", { key: "portal_ai_chat", name: "Again", rolloutPercentage: "0" });
    expect(created.status).toBe(409);
    expect(textOf(created.html)).toContain("A feature flag with key 'portal_ai_chat' already exists");
    const badKey = await browser.post("/admin/flags", { key: "Bad Key", name: "x" });
    expect(badKey.html).toMatch(/id="key-error">must be snake_case/);
    expect(await auditRows()).toEqual([]);
    expect((await flag("portal_ai_chat"))!.rollout_percentage).toBe(0);
  });

  it("creates and deletes a flag, the deletion only with the key typed", async () => {
    const browser = consoleBrowser(() => databaseUrl);
    await browser.signIn();
    expect((await browser.post("/admin/flags", { key: "portal_new_inbox", name: "New inbox", rolloutPercentage: "10" })).location).toBe(
      "/admin/flags/portal_new_inbox",
    );
    expect(await flag("portal_new_inbox")).toMatchObject({ enabled: false, rollout_percentage: 10, created_by: ACTOR });
    const wrong = await browser.post("/admin/flags/portal_new_inbox/delete", { confirm: "portal_new" });
    expect(wrong.status).toBe(400);
    expect(wrong.html).toContain("Type portal_new_inbox exactly to delete it");
    expect((await browser.post("/admin/flags/portal_new_inbox/delete", { confirm: "portal_new_inbox" })).location).toBe("/admin/flags");
    expect(await flag("portal_new_inbox")).toBeUndefined();
    expect((await auditRows()).map((r) => r.action)).toEqual(["flag.create", "flag.delete"]);
  });

  it("adds many whitelisted ids at once in one audited change, and refuses a paste with anything that is not a uuid", async () => {
    const browser = consoleBrowser(() => databaseUrl);
    await browser.signIn();
    const ids = ["6f1c2a8e-1111-4a2b-9c3d-000000000001", "6F1C2A8E-1111-4A2B-9C3D-000000000002", "6f1c2a8e-1111-4a2b-9c3d-000000000001"];
    const bad = await browser.post("/admin/flags/portal_ai_chat/users", { ids: `${ids.join("\n")}\nnot-an-id`, operation: "add" });
    expect(bad.status).toBe(400);
    expect(bad.html).toContain("Not uuids: not-an-id");
    expect((await flag("portal_ai_chat"))!.user_ids).toEqual([]);
    const added = await browser.post("/admin/flags/portal_ai_chat/users", { ids: ids.join(", "), operation: "add" });
    expect(added.status).toBe(303);
    expect((await flag("portal_ai_chat"))!.user_ids).toEqual(["6f1c2a8e-1111-4a2b-9c3d-000000000001", "6f1c2a8e-1111-4a2b-9c3d-000000000002"]);
    const again = await browser.post("/admin/flags/portal_ai_chat/users", { ids: ids[0]!, operation: "add" });
    expect(textOf((await browser.get(again.location!)).html)).toContain("The id was already on the list; nothing changed");
    await browser.post("/admin/flags/portal_ai_chat/users", { ids: ids[1]!, operation: "remove" });
    expect((await flag("portal_ai_chat"))!.user_ids).toEqual(["6f1c2a8e-1111-4a2b-9c3d-000000000001"]);
    expect((await auditRows()).map((r) => r.action)).toEqual(["flag.user.add", "flag.user.remove"]);
  });

  it("previews a gradual rollout without starting it, then starts, pauses, resumes and cancels it", async () => {
    const browser = consoleBrowser(() => databaseUrl);
    await browser.signIn();
    const plan = { startPercentage: "0", endPercentage: "100", durationHours: "96", intervalHours: "24" };
    const preview = await browser.post("/admin/flags/portal_ai_chat/rollout/start", { ...plan, intent: "preview" });
    expect(preview.status).toBe(200);
    expect(textOf(preview.html)).toMatch(/The plan, if started now: 5 percentages.*0 .*0 %.*1 .*25 %.*2 .*50 %.*3 .*75 %.*4 .*100 %/);
    expect(await sql(databaseUrl, "SELECT 1 FROM flag_rollouts")).toEqual([]);
    expect((await browser.post("/admin/flags/portal_ai_chat/rollout/start", { ...plan, intent: "start" })).status).toBe(303);
    expect(textOf((await browser.get("/admin/flags/portal_ai_chat")).html)).toMatch(/active from 0 % to 100 % over 96 h.*Step 0 of 4: 0 %\. Next: 25 % at/);
    await browser.post("/admin/flags/portal_ai_chat/rollout/pause");
    expect((await sql<{ status: string }>(databaseUrl, "SELECT status FROM flag_rollouts"))[0]!.status).toBe("paused");
    const pausedAgain = await browser.post("/admin/flags/portal_ai_chat/rollout/pause");
    expect(pausedAgain.status).toBe(409);
    expect(textOf(pausedAgain.html)).toContain("The rollout of 'portal_ai_chat' is already paused");
    await browser.post("/admin/flags/portal_ai_chat/rollout/resume");
    await browser.post("/admin/flags/portal_ai_chat/rollout/cancel");
    expect((await auditRows()).map((r) => r.action)).toEqual(["rollout.start", "rollout.pause", "rollout.resume", "rollout.cancel"]);
  });

  it("tries an evaluation and says why, without counting it as a user served", async () => {
    const browser = consoleBrowser(() => databaseUrl);
    await browser.signIn();
    const page = await browser.post("/admin/flags/portal_ai_chat/check", { userId: "6f1c2a8e-1111-4a2b-9c3d-000000000001", customerId: "" });
    expect(page.status).toBe(200);
    expect(textOf(page.html)).toMatch(/Off — reason: rollout, bucket \d+ \(on below 0\)/);
    expect(await sql(databaseUrl, "SELECT 1 FROM flag_signal_hours")).toEqual([]);
  });

  it("schedules a window only after showing the spec's short-notice warning, and allows only its legal moves", async () => {
    const browser = consoleBrowser(() => databaseUrl);
    await browser.signIn();
    const start = new Date(Date.now() + 3 * 3_600_000);
    const local = (d: Date) => d.toISOString().slice(0, 16);
    const form = {
      title: "Database upgrade",
      scheduledStart: local(start),
      scheduledEnd: local(new Date(start.getTime() + 2 * 3_600_000)),
      components: ["database", "api"],
    };
    const warned = await browser.post("/admin/maintenance", { ...form, intent: "schedule" });
    expect(warned.status).toBe(200);
    expect(textOf(warned.html)).toMatch(/Check before scheduling: Less than 48 hours' notice \(\d h\)/);
    expect(await sql(databaseUrl, "SELECT 1 FROM maintenance_windows")).toEqual([]);
    const seen = /name="seen" value="([^"]*)"/
      .exec(warned.html)![1]!
      .replace(/&#39;/g, "'")
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, "&");
    // Confirming warnings other than those shown (the window changed since) shows them first.
    const unseen = await browser.post("/admin/maintenance", { ...form, expectedDurationMinutes: "100", intent: "confirm", seen });
    expect(unseen.status).toBe(200);
    expect(textOf(unseen.html)).toContain("less than a 50 % buffer");
    expect(await sql(databaseUrl, "SELECT 1 FROM maintenance_windows")).toEqual([]);
    const scheduled = await browser.post("/admin/maintenance", { ...form, intent: "confirm", seen });
    expect(scheduled.status).toBe(303);
    const id = scheduled.location!.split("/").pop()!;
    expect(await sql(databaseUrl, "SELECT status, components FROM maintenance_windows")).toEqual([{ status: "scheduled", components: ["database", "api"] }]);
    const page = textOf((await browser.get(`/admin/maintenance/${id}`)).html);
    expect(page).toContain("Affected: API, Database");
    expect(page).toContain("Less than 48 hours' notice");
    const illegal = await browser.post(`/admin/maintenance/${id}/complete`);
    expect(illegal.status).toBe(409);
    expect(textOf(illegal.html)).toContain("Cannot complete a maintenance window that is scheduled");
    await browser.post(`/admin/maintenance/${id}/start`);
    const status = await browser.get("/api/portal/status");
    expect(JSON.parse(status.html).data.maintenanceMode).toBe(true);
    expect((await auditRows()).map((r) => r.action)).toEqual(["maintenance.create", "maintenance.start"]);
  });

  it("opens an incident, posts identified and monitoring updates and resolves it, as /api/portal/status shows", async () => {
    const browser = consoleBrowser(() => databaseUrl);
    await browser.signIn();
    const opened = await browser.post("/admin/incidents", {
      component: "stripe",
      status: "partial_outage",
      phase: "investigating",
      message: "Card payments fail",
    });
    expect(opened.status).toBe(303);
    const id = opened.location!.split("/").pop()!;
    const status = async () => JSON.parse((await browser.get("/api/portal/status")).html).data;
    expect((await status()).knownIssues).toMatchObject([{ component: "stripe", status: "partial_outage" }]);
    await browser.post(`/admin/incidents/${id}/update`, { phase: "identified", status: "partial_outage", message: "A bad deploy at the gateway" });
    await browser.post(`/admin/incidents/${id}/update`, { phase: "monitoring", status: "degraded", message: "Fix deployed; watching" });
    const bad = await browser.post(`/admin/incidents/${id}/update`, { phase: "monitoring", status: "on_fire", message: "" });
    expect(bad.status).toBe(400);
    expect(bad.html).toMatch(/id="u-status-error"/);
    expect((await browser.post(`/admin/incidents/${id}/resolve`, { message: "Payments work again" })).status).toBe(303);
    const timeline = textOf((await browser.get(`/admin/incidents/${id}`)).html);
    expect(timeline).toMatch(
      /Resolved — Payments work again.*Monitoring — Fix deployed; watching.*Identified — A bad deploy at the gateway.*Investigating — Card payments fail/,
    );
    expect((await status()).knownIssues).toEqual([]);
    expect((await auditRows()).map((r) => r.action)).toEqual(["incident.open", "incident.update", "incident.update", "incident.resolve"]);
  });

  it("filters the audit log, and says which filter is wrong", async () => {
    const browser = consoleBrowser(() => databaseUrl);
    await browser.signIn();
    await browser.post("/admin/flags/portal_ai_chat/percentage", { rolloutPercentage: "5" });
    expect(textOf((await browser.get("/admin/audit?entity=flag")).html)).toContain("flag.update");
    expect(textOf((await browser.get("/admin/audit?entity=maintenance")).html)).toContain("No changes recorded");
    expect(textOf((await browser.get(`/admin/audit?actor=${ACTOR}`)).html)).toContain("flag.update");
    const bad = await browser.get("/admin/audit?from=yesterday&actor=someone");
    expect(bad.status).toBe(400);
    expect(bad.html).toContain('id="a-from-error">Not a date and time (UTC, 1970–9999)');
    for (const query of ["key=%00", "from=20000", "to=0001-01-01T00:00", "entity=flag%27--", `key=${"k".repeat(500)}`]) {
      expect((await browser.get(`/admin/audit?${query}`)).status, query).toBe(400);
    }
    expect(bad.html).toContain('id="a-actor-error">An actor id (uuid) or an email');
  });

  it("shows a page, not a stack, when the database is unreachable: 503 with Retry-After, nothing half-written", async () => {
    const browser = consoleBrowser(() => databaseUrl);
    await browser.signIn();
    await databaseFault(databaseUrl, { refuse: true });
    try {
      const page = await browser.post("/admin/flags/portal_ai_chat/percentage", { rolloutPercentage: "30" });
      expect(page.status).toBe(503);
      expect(page.headers.get("retry-after")).toBe("30");
      expect(textOf(page.html)).toContain("The database is unavailable; try again shortly. Nothing was changed.");
    } finally {
      await databaseFault(databaseUrl, null);
    }
    expect((await flag("portal_ai_chat"))!.rollout_percentage).toBe(0);
  });
});

describe("pages that say what is so", () => {
  it("lists every open incident however many newer ones were resolved, and an update keeps the phase unless it is changed", async () => {
    const browser = consoleBrowser(() => databaseUrl);
    await browser.signIn();
    await sql(
      databaseUrl,
      "INSERT INTO system_status (component, status, message, started_at) VALUES ('api', 'degraded', 'The oldest, still open', now() - interval '30 days')",
    );
    await sql(
      databaseUrl,
      "INSERT INTO system_status (component, status, message, started_at, resolved_at) SELECT 'email', 'degraded', 'Resolved ' || g, now() - g * interval '1 minute', now() FROM generate_series(1, 60) AS g",
    );
    const list = await browser.get("/admin/incidents");
    const open = textOf(list.html).split("Open an incident")[0]!;
    expect(open).toContain("The oldest, still open");
    const id = (await sql<{ id: string }>(databaseUrl, "SELECT id FROM system_status WHERE resolved_at IS NULL"))[0]!.id;
    const page = await browser.get(`/admin/incidents/${id}`);
    expect(page.html).toMatch(/<option value="investigating" selected="">Investigating<\/option>/);
    await browser.post(`/admin/incidents/${id}/update`, { phase: "investigating", status: "degraded", message: "Still looking" });
    expect((await sql<{ phase: string }>(databaseUrl, "SELECT phase FROM system_status WHERE id = $1", [id]))[0]!.phase).toBe("investigating");
  });

  it("creates a flag at 100 % as the API does when no percentage is given", async () => {
    const browser = consoleBrowser(() => databaseUrl);
    await browser.signIn();
    expect((await browser.get("/admin/flags")).html).toMatch(/name="rolloutPercentage" value="100"/);
    await browser.post("/admin/flags", { key: "portal_default_pct", name: "Default" });
    expect((await flag("portal_default_pct"))!.rollout_percentage).toBe(100);
  });

  it("offers Pause for a rollout its guard holds", async () => {
    const browser = consoleBrowser(() => databaseUrl);
    await browser.signIn();
    await browser.post("/admin/flags/portal_ai_chat/rollout/start", {
      startPercentage: "0",
      endPercentage: "100",
      durationHours: "96",
      intervalHours: "24",
      intent: "start",
    });
    await sql(databaseUrl, "UPDATE flag_rollouts SET status = 'held', held_at = now(), hold_reason = 'stripe is unhealthy'");
    const page = textOf((await browser.get("/admin/flags/portal_ai_chat")).html);
    expect(page).toContain("Held: stripe is unhealthy");
    expect(page).toContain("Pause rollout");
    expect((await browser.post("/admin/flags/portal_ai_chat/rollout/pause")).status).toBe(303);
    expect((await sql<{ status: string }>(databaseUrl, "SELECT status FROM flag_rollouts"))[0]!.status).toBe("paused");
  });

  it("saves only the details that were changed, says when nothing was, and caps metadata as the API does", async () => {
    const browser = consoleBrowser(() => databaseUrl);
    await browser.signIn();
    await sql(databaseUrl, "UPDATE feature_flags SET description = E'\\nStarts with a line break', metadata = '{\"team\": \"ai\"}'");
    const version = () => browser.get("/admin/flags/portal_ai_chat").then((p) => /name="version" value="([^"]+)"/.exec(p.html)![1]!);
    // As a browser sends the untouched form back: the leading line break gone, CRLF line ends.
    const untouched = { name: "AI chat", description: "Starts with a line break", owner: "", removeBy: "", metadata: '{\r\n  "team": "ai"\r\n}' };
    const nothing = await browser.post("/admin/flags/portal_ai_chat/details", { ...untouched, version: await version() });
    expect(textOf((await browser.get(nothing.location!)).html)).toContain("Nothing to save");
    expect(await auditRows()).toEqual([]);
    await browser.post("/admin/flags/portal_ai_chat/details", { ...untouched, owner: "ai-team", version: await version() });
    const [row] = await sql<{ before: any; after: any }>(databaseUrl, "SELECT before, after FROM audit_log");
    expect(
      Object.keys(row!.after)
        .filter((k) => JSON.stringify(row!.after[k]) !== JSON.stringify(row!.before[k]))
        .sort(),
    ).toEqual(["owner", "updatedAt", "updatedBy"]);
    const huge = await browser.post("/admin/flags/portal_ai_chat/details", {
      ...untouched,
      metadata: JSON.stringify({ blob: "x".repeat(70_000) }),
      version: await version(),
    });
    expect(huge.status).toBe(400);
    expect(huge.html).toContain("At most 64 KiB, as the admin API takes");
  });

  it("edits prerequisites and dependencies, with a missing prerequisite named beside its field, and starts a rollout with every guard option", async () => {
    const browser = consoleBrowser(() => databaseUrl);
    await browser.signIn();
    await sql(databaseUrl, "INSERT INTO feature_flags (key, name) VALUES ('portal_base', 'Base')");
    const version = () => browser.get("/admin/flags/portal_ai_chat").then((p) => /name="version" value="([^"]+)"/.exec(p.html)![1]!);
    const base = { name: "AI chat", metadata: "{}" };
    const missing = await browser.post("/admin/flags/portal_ai_chat/details", { ...base, requires: "portal_base, portal_nowhere", version: await version() });
    expect(missing.status).toBe(400);
    expect(missing.html).toContain('id="d-requires-error">no flag with key &#39;portal_nowhere&#39;');
    expect(missing.html).toMatch(/<textarea id="d-requires"[^>]*>portal_base, portal_nowhere<\/textarea>/);
    await browser.post("/admin/flags/portal_ai_chat/details", {
      ...base,
      requires: "portal_base",
      dependsOn: ["stripe", "database"],
      version: await version(),
    });
    expect(await flag("portal_ai_chat")).toMatchObject({ requires: ["portal_base"], depends_on: ["stripe", "database"] });
    const started = await browser.post("/admin/flags/portal_ai_chat/rollout/start", {
      startPercentage: "0",
      endPercentage: "50",
      durationHours: "48",
      intervalHours: "12",
      maxErrorRate: "2.5",
      minEvaluations: "500",
      onErrorRate: "rollback",
      resumeAfterMinutes: "45",
      intent: "start",
    });
    expect(started.status).toBe(303);
    expect((await sql(databaseUrl, "SELECT max_error_rate, min_evaluations, on_error_rate, resume_after_minutes FROM flag_rollouts"))[0]).toEqual({
      max_error_rate: "0.02500",
      min_evaluations: 500,
      on_error_rate: "rollback",
      resume_after_minutes: 45,
    });
  });

  it("shows a whitelist change in the history by the ids that went in and out", async () => {
    const browser = consoleBrowser(() => databaseUrl);
    await browser.signIn();
    const ids = Array.from({ length: 7 }, (_, i) => `6f1c2a8e-1111-4a2b-9c3d-00000000000${i}`);
    await browser.post("/admin/flags/portal_ai_chat/users", { ids: ids.join("\n"), operation: "add" });
    await browser.post("/admin/flags/portal_ai_chat/users", { ids: ids[3]!, operation: "remove" });
    const history = textOf((await browser.get("/admin/flags/portal_ai_chat")).html);
    expect(history).toContain(`userIds: − "${ids[3]}"`);
    expect(history).toContain(`userIds: + "${ids[0]}", "${ids[1]}", "${ids[2]}", "${ids[3]}", "${ids[4]}" and 2 more`);
  });
});

describe("what an outside tester tries", () => {
  it("shows the history of a flag with 10,000 whitelisted ids without sending the lists: only what went in and out", async () => {
    const browser = consoleBrowser(() => databaseUrl);
    await browser.signIn();
    const ids = Array.from({ length: 10_000 }, (_, i) => `6f1c2a8e-3333-4a2b-9c3d-${String(i).padStart(12, "0")}`);
    const added = await browser.post("/admin/flags/portal_ai_chat/users", { ids: ids.join("\r\n"), operation: "add" });
    expect(added.status).toBe(303);
    for (let i = 0; i < 10; i++) await browser.post("/admin/flags/portal_ai_chat/state", { enabled: i % 2 ? "on" : "off" });
    await browser.post("/admin/flags/portal_ai_chat/users", { ids: ids[42]!, operation: "remove" });
    const page = await browser.get("/admin/flags/portal_ai_chat");
    expect(page.status).toBe(200);
    // The flag's own list is shown by its first 50 ids; the history by its changes.
    expect(page.html.length).toBeLessThan(60_000);
    const history = textOf(page.html);
    expect(history).toContain(`userIds: − "${ids[42]}"`);
    expect(history).toContain(`userIds: + "${ids[0]}", "${ids[1]}", "${ids[2]}", "${ids[3]}", "${ids[4]}" and 9995 more`);
    expect(history).toContain("enabled: true → false");
    const audit = await browser.get("/admin/audit");
    expect(audit.status).toBe(200);
    expect(audit.html.length).toBeLessThan(80_000);
  });

  it("isolates each shown value, so a direction override in a name cannot reorder the history", async () => {
    const browser = consoleBrowser(() => databaseUrl);
    await browser.signIn();
    const version = /name="version" value="([^"]+)"/.exec((await browser.get("/admin/flags/portal_ai_chat")).html)![1]!;
    await browser.post("/admin/flags/portal_ai_chat/details", { name: "Safe\u202Eevil", metadata: "{}", version });
    expect((await browser.get("/admin/flags/portal_ai_chat")).html).toContain("name: <bdi>&quot;AI chat&quot;</bdi> → <bdi>&quot;Safe\u202Eevil&quot;</bdi>");
  });

  it("refuses a form that is not UTF-8 or repeats a one-value field, writing nothing", async () => {
    const browser = consoleBrowser(() => databaseUrl);
    await browser.signIn();
    const raw = async (body: string) =>
      (
        await browser.request(
          "POST",
          "/admin/incidents",
          undefined,
          {
            "content-type": "application/x-www-form-urlencoded",
          },
          `_csrf=${encodeURIComponent(browser.formToken)}&${body}`,
        )
      ).status;
    expect(await raw("component=api&status=degraded&message=%FF%FE")).toBe(400);
    expect(await raw("component=api&status=degraded&message=one&message=two")).toBe(400);
    expect(await sql(databaseUrl, "SELECT 1 FROM system_status")).toEqual([]);
    expect(await raw("component=api&status=degraded&message=caf%C3%A9")).toBe(303);
  });

  it("finds an Access person with an international address in the audit filter", async () => {
    const browser = consoleBrowser(() => databaseUrl, { env: ACCESS });
    const token = await accessToken({ email: "josé@bücher.de" });
    const headers = { "cf-access-jwt-assertion": token };
    await browser.get("/admin/flags", headers);
    await browser.post("/admin/flags/portal_ai_chat/percentage", { rolloutPercentage: "3" }, headers);
    const page = await browser.get(`/admin/audit?actor=${encodeURIComponent("josé@bücher.de")}`, headers);
    expect(page.status).toBe(200);
    expect(textOf(page.html)).toContain("josé@bücher.de flag.update");
  });

  it("keeps notices in a __Host- cookie over HTTPS, and lists windows that ended within 90 days", async () => {
    const browser = consoleBrowser(() => databaseUrl);
    await browser.signIn();
    const changed = await browser.post("/admin/flags/portal_ai_chat/percentage", { rolloutPercentage: "7" });
    expect(changed.headers.getSetCookie().some((c) => c.startsWith("__Host-phs_console_flash=") && /; Path=\//.test(c) && /; Secure/.test(c))).toBe(true);
    await sql(
      databaseUrl,
      `INSERT INTO maintenance_windows (title, scheduled_start, scheduled_end, status) VALUES
         ('Long ago', now() - interval '200 days', now() - interval '199 days', 'completed'),
         ('Last month', now() - interval '30 days', now() - interval '30 days' + interval '1 hour', 'completed')`,
    );
    const list = textOf((await browser.get("/admin/maintenance")).html);
    expect(list).toContain("Last month");
    expect(list).not.toContain("Long ago");
  });
});

describe("generated hostile forms", () => {
  it("never get a 5xx, on any console form or the audit filter", async () => {
    const browser = consoleBrowser(() => databaseUrl);
    await browser.signIn();
    const paths = [
      "/admin/flags",
      "/admin/flags/portal_ai_chat/state",
      "/admin/flags/portal_ai_chat/percentage",
      "/admin/flags/portal_ai_chat/details",
      "/admin/flags/portal_ai_chat/users",
      "/admin/flags/portal_ai_chat/customers",
      "/admin/flags/portal_ai_chat/rollout/start",
      "/admin/flags/portal_ai_chat/check",
      "/admin/flags/portal_ai_chat/delete",
      "/admin/flags/NOT_A_KEY/percentage",
      "/admin/maintenance",
      "/admin/maintenance/not-a-uuid/start",
      "/admin/incidents",
      "/admin/incidents/6f1c2a8e-1111-4a2b-9c3d-000000000001/update",
    ];
    const fields = [
      "key",
      "name",
      "description",
      "rolloutPercentage",
      "enabled",
      "ids",
      "operation",
      "startPercentage",
      "endPercentage",
      "durationHours",
      "intervalHours",
      "maxErrorRate",
      "intent",
      "userId",
      "customerId",
      "confirm",
      "title",
      "scheduledStart",
      "scheduledEnd",
      "components",
      "expectedDurationMinutes",
      "component",
      "status",
      "phase",
      "message",
      "metadata",
      "owner",
      "removeBy",
      "requires",
      "dependsOn",
      "minEvaluations",
      "onErrorRate",
      "resumeAfterMinutes",
      "version",
      "seen",
    ];
    const value = fc.oneof(
      fc.string(),
      fc.integer().map(String),
      fc.constantFrom("", "0", "100", "-1", "1e309", "NaN", "{}", "[]", "null", "2026-13-40T25:61", "\u0000", "x".repeat(3000)),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), fc.dictionary(fc.constantFrom(...fields), value, { maxKeys: 6 }), async (path, form) => {
        const page = await browser.post(path, form);
        expect(page.status, `${path} ${JSON.stringify(form)}`).toBeLessThan(500);
      }),
      { numRuns: (Number((harness as unknown as { PROPERTY_RUNS?: string }).PROPERTY_RUNS) || 25) * 2 },
    );
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.constantFrom("entity", "key", "actor", "from", "to", "before"), value, { maxKeys: 4 }), async (query) => {
        const page = await browser.get(`/admin/audit?${new URLSearchParams(query)}`);
        expect(page.status, JSON.stringify(query)).toBeLessThan(500);
      }),
      { numRuns: Number((harness as unknown as { PROPERTY_RUNS?: string }).PROPERTY_RUNS) || 25 },
    );
  });
});
