/** @jsxImportSource hono/jsx */
// Signing in without Cloudflare Access: an admin token, once, for a short signed session.
// The token is compared like a bearer token and never shown or stored; the session
// carries only the token's actor id. On a loopback dev server, one click signs in the
// local developer.
import { Hono, type Context } from "hono";
import type { FC } from "hono/jsx";
import { configuredAdminTokens, matchToken } from "../auth/tokens.ts";
import type { AppEnv } from "../env.ts";
import { logEvent } from "../lib/log.ts";
import { rememberActorName } from "./actors.ts";
import { readForm, text } from "./forms.ts";
import { clearSession, developerActor, isCrossSite, tokenFingerprint, writeSession } from "./identity.ts";
import { Field, FormErrorList, html, noErrors, problemPage, Shell, type FormErrors } from "./layout.tsx";
import { newSession, sessionKey } from "./session.ts";

const encoder = new TextEncoder();

/** Where to go after signing in: a console path, nothing else (no open redirect). */
function nextPath(value: string | undefined): string {
  return value && /^\/admin(\/[A-Za-z0-9_\-/]*)?$/.test(value) && !value.startsWith("/admin/sign-") ? value : "/admin/flags";
}

const SignInPage: FC<{ next: string; errors: FormErrors; developer: boolean; access: boolean }> = ({ next, errors, developer, access }) => (
  <Shell title="Sign in to the console">
    {access && <p class="notice">This deployment uses Cloudflare Access: open the console through your Access application and you are signed in.</p>}
    {developer && (
      <form method="post" action="/admin/sign-in/developer" class="card">
        <input type="hidden" name="next" value={next} />
        <p>This is a local development server.</p>
        <button type="submit">Sign in as the local developer</button>
      </form>
    )}
    <form method="post" action="/admin/sign-in" class="card">
      <FormErrorList errors={errors} />
      <input type="hidden" name="next" value={next} />
      <Field id="token" label="Admin token" hint="One of ADMIN_TOKENS; it is checked once and not kept" error={errors.fields.token}>
        {(aria) => <input {...aria} type="password" name="token" autocomplete="off" required />}
      </Field>
      <button type="submit">Sign in</button>
    </form>
  </Shell>
);

function page(c: Context<AppEnv>, next: string, errors: FormErrors, status: 200 | 401) {
  return html(c, status, <SignInPage next={next} errors={errors} developer={developerActor(c) !== null} access={c.get("config").console.access !== null} />);
}

export const consoleSignInRoutes = new Hono<AppEnv>()
  .get("/sign-in", (c) => page(c, nextPath(c.req.query("next")), noErrors(), 200))
  .post("/sign-in", async (c) => {
    if (isCrossSite(c)) return problemPage(c, 403, "Refused", "This form was sent from another site.");
    const key = sessionKey(c.get("config"));
    if (!key) return problemPage(c, 503, "The console is not configured", "Set CONSOLE_SESSION_KEY (or ADMIN_TOKENS); see docs/deploy.md.");
    const form = await readForm(c);
    const next = nextPath(text(form, "next"));
    const token = text(form, "token").trim();
    const actor = token && token.length <= 512 ? await matchToken(token, await configuredAdminTokens(c.get("config").adminTokens)) : null;
    if (!actor) {
      logEvent("warn", "console_sign_in_refused", { requestId: c.get("requestId") });
      return page(c, next, { form: [], fields: { token: "That is not an admin token" } }, 401);
    }
    const now = Math.floor(Date.now() / 1000);
    // The session remembers which token it came from, so removing the token ends it.
    const tok = tokenFingerprint(await crypto.subtle.digest("SHA-256", encoder.encode(token)));
    const session = newSession({ sub: actor, name: `admin token of ${actor.slice(0, 8)}`, via: "token", tok }, c.get("config").console.sessionMinutes, now);
    await writeSession(c, await key, session);
    return c.redirect(next, 303);
  })
  .post("/sign-in/developer", async (c) => {
    const actor = developerActor(c);
    const key = sessionKey(c.get("config"));
    if (!actor || !key || isCrossSite(c)) return problemPage(c, 403, "Refused", "One-click sign-in is for a local development server only.");
    const name = "local developer";
    await rememberActorName(c.get("database")(), actor, name, new Date());
    await writeSession(c, await key, newSession({ sub: actor, name, via: "developer" }, c.get("config").console.sessionMinutes, Math.floor(Date.now() / 1000)));
    return c.redirect(nextPath(text(await readForm(c), "next")), 303);
  });

/** Signing out forgets the cookie; the session is signed, not stored, so it also ends at its expiry. */
export const consoleSignOutRoute = new Hono<AppEnv>().post("/sign-out", (c) => {
  clearSession(c);
  return c.redirect("/admin/sign-in", 303);
});
