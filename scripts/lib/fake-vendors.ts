// Stand-ins for Stripe, Twilio and Resend, answering the endpoints the health probes call
// the way the vendors do (credentials checked, realistic JSON), and Resend's send and
// batch-send endpoints, which record every email and honour Idempotency-Key as Resend
// does (the same key and body: the first answer again, nothing sent; the same key with
// another body: 409). Also a receiver for webhooks (POST /<scope>/hooks/<name>: alert
// channels and subscribers; bodies and PHS-* headers recorded). Latency and failures are
// set at run time per scope (the first path segment), so parallel test files and a demo
// can each steer their own:
//   POST /__control/<scope>   {"stripe": {"latencyMs": 3000, "failure": "500"|"garbage"|"hang"|"429"|"redirect"|null}, "hooks": {...}}
//                             ("429": Retry-After 30, as Resend limits; "redirect": a 307 elsewhere)
//   GET  /__requests/<scope>  what was asked, when each request started, bodies (DELETE forgets them)
//   GET  /__emails/<scope>    every email sent, one entry per recipient, as they would get it
// And a Cloudflare Access team, so the console's Access sign-in runs against real JWTs:
//   GET  /cdn-cgi/access/certs   the team's JWKS (RS256), as <team>.cloudflareaccess.com serves it
//   POST /__access/token         {"email", "aud", "iss"?, "expiresInSeconds"?}: a signed assertion, as
//                                Access puts in Cf-Access-Jwt-Assertion (iss: this server's origin)
import { createSign, generateKeyPairSync, type KeyObject } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";

export const FAKE_CREDENTIALS = {
  STRIPE_SECRET_KEY: "sk_test_51FakeLocalKeyForDevelopmentOnly",
  TWILIO_ACCOUNT_SID: "AC00000000000000000000000000000000",
  TWILIO_AUTH_TOKEN: "fake_twilio_auth_token_for_dev",
  RESEND_API_KEY: "re_fake_local_key_for_development",
} as const;

export type Vendor = "stripe" | "twilio" | "resend" | "hooks";
export type Failure = "500" | "garbage" | "hang" | "429" | "redirect" | null;
interface Behaviour {
  latencyMs: number;
  failure: Failure;
}
interface RequestRecord {
  vendor: Vendor;
  path: string;
  startedAt: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** A hook's body exactly as received (what a signature covers). */
  raw?: string;
  /** Resend: answered from an earlier request with the same Idempotency-Key; nothing sent. */
  replayed?: boolean;
}
interface SentEmail {
  id: string;
  at: string;
  from: string;
  to: string[];
  subject: string;
  text?: string;
  html?: string;
  headers?: Record<string, string>;
}
const EMAIL_BATCH_MAX = 100;

export interface FakeVendors {
  url: string;
  port: number;
  baseUrls(scope?: string): { STRIPE_API_BASE: string; TWILIO_API_BASE: string; RESEND_API_BASE: string };
  /** Alert channels pointed at the recording receiver. */
  hookUrls(scope?: string): { ALERT_WEBHOOK_URL: string; ALERT_SLACK_WEBHOOK_URL: string; PAGERDUTY_EVENTS_URL: string };
  close(): Promise<void>;
}

/** A fake Access team: one RSA signing key, its JWKS, and assertions signed with it. */
function accessTeam(): { jwks: { keys: object[] }; sign(claims: object): string } {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const kid = "fake-access-key-1";
  const jwk = { ...(publicKey as KeyObject).export({ format: "jwk" }), kid, alg: "RS256", use: "sig" };
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return {
    jwks: { keys: [jwk] },
    sign(claims) {
      const input = `${part({ alg: "RS256", kid, typ: "JWT" })}.${part(claims)}`;
      return `${input}.${createSign("RSA-SHA256").update(input).sign(privateKey).toString("base64url")}`;
    },
  };
}

export async function startFakeVendors(options: { host?: string; port?: number } = {}): Promise<FakeVendors> {
  const host = options.host ?? "127.0.0.1";
  const behaviours = new Map<string, Behaviour>();
  const records = new Map<string, RequestRecord[]>();
  const emails = new Map<string, SentEmail[]>();
  const idempotent = new Map<string, { body: string; status: number; answer: unknown }>();
  const behaviourOf = (scope: string, vendor: Vendor): Behaviour => behaviours.get(`${scope}/${vendor}`) ?? { latencyMs: 0, failure: null };

  const access = accessTeam();

  const server = createServer(async (req, res) => {
    const startedAt = Date.now();
    const url = new URL(req.url ?? "/", "http://vendors");
    const [scope = "", section = "", ...rest] = url.pathname.split("/").slice(1);
    try {
      if (url.pathname === "/cdn-cgi/access/certs" && req.method === "GET") return json(res, 200, access.jwks);
      if (url.pathname === "/__access/token" && req.method === "POST") {
        const body = JSON.parse((await readBody(req)) || "{}") as { email?: string; aud?: string; iss?: string; expiresInSeconds?: number };
        const now = Math.floor(Date.now() / 1000);
        const claims = {
          aud: [body.aud ?? "local-dev-access-aud"],
          email: body.email ?? "operator@example.com",
          exp: now + (body.expiresInSeconds ?? 3600),
          iat: now,
          nbf: now,
          iss: body.iss ?? `http://${req.headers.host}`,
          type: "app",
          identity_nonce: "fake",
          sub: `access-${body.email ?? "operator"}`,
          country: "XX",
        };
        return json(res, 200, { token: access.sign(claims) });
      }
      if (scope === "__control" && req.method === "POST") {
        const body = JSON.parse((await readBody(req)) || "{}") as Record<string, Partial<Behaviour>>;
        for (const [vendor, change] of Object.entries(body)) {
          const current = behaviourOf(section, vendor as Vendor);
          behaviours.set(`${section}/${vendor}`, { ...current, ...change });
        }
        return json(res, 200, { ok: true });
      }
      if (scope === "__requests" && req.method === "DELETE") {
        records.delete(section);
        emails.delete(section);
        return json(res, 200, { ok: true });
      }
      if (scope === "__requests") return json(res, 200, records.get(section) ?? []);
      if (scope === "__emails") return json(res, 200, emails.get(section) ?? []);
      if (section === "hooks" && req.method === "POST") {
        const text = await readBody(req);
        const list = records.get(scope) ?? [];
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // recorded as text
        }
        const headers = Object.fromEntries(Object.entries(req.headers).flatMap(([k, v]) => (k.startsWith("phs-") && typeof v === "string" ? [[k, v]] : [])));
        list.push({ vendor: "hooks", path: `/${rest.join("/")}`, startedAt, body, raw: text, headers });
        records.set(scope, list);
        const behaviour = behaviourOf(scope, "hooks");
        if (behaviour.latencyMs > 0) await new Promise((r) => setTimeout(r, behaviour.latencyMs));
        if (behaviour.failure === "hang") return;
        if (behaviour.failure === "500" || behaviour.failure === "garbage") return json(res, 500, { error: "receiver down" });
        if (behaviour.failure === "redirect") {
          res.writeHead(307, { location: `/${scope}/hooks/redirected` });
          return res.end();
        }
        return json(res, rest[0] === "pagerduty" ? 202 : 200, rest[0] === "pagerduty" ? { status: "success", message: "Event processed" } : { ok: true });
      }
      if (section !== "stripe" && section !== "twilio" && section !== "resend") return json(res, 404, { error: "not found" });
      const vendor = section as Vendor;
      const path = `/${rest.join("/")}`;
      const list = records.get(scope) ?? [];
      const sending = vendor === "resend" && req.method === "POST" && (path === "/emails" || path === "/emails/batch");
      const text = sending ? await readBody(req) : "";
      const key = sending ? req.headers["idempotency-key"] : undefined;
      const record: RequestRecord = { vendor, path, startedAt };
      if (sending) {
        record.body = parseOr(text);
        if (typeof key === "string") record.headers = { "idempotency-key": key };
      }
      list.push(record);
      records.set(scope, list);

      const behaviour = behaviourOf(scope, vendor);
      if (behaviour.failure === "hang") return; // never answers; the client must give up
      if (behaviour.latencyMs > 0) await new Promise((r) => setTimeout(r, behaviour.latencyMs));
      if (behaviour.failure === "500") return json(res, 500, { error: { message: "internal server error" } });
      if (behaviour.failure === "429") {
        res.writeHead(429, { "content-type": "application/json", "retry-after": "30" });
        return res.end(JSON.stringify({ statusCode: 429, name: "rate_limit_exceeded", message: "Too many requests" }));
      }
      if (behaviour.failure === "garbage") {
        res.writeHead(200, { "content-type": "application/json" });
        return res.end("<html>not json");
      }
      if (sending) {
        const remembered = typeof key === "string" ? idempotent.get(`${scope}/${key}`) : undefined;
        if (remembered && remembered.body !== text) {
          return json(res, 409, {
            statusCode: 409,
            name: "invalid_idempotent_request",
            message: "Same idempotency key used with a different request payload.",
          });
        }
        if (remembered) {
          record.replayed = true;
          return json(res, remembered.status, remembered.answer);
        }
        const answer = sendAnswer(path, text, req.headers.authorization ?? "", (sent) => emails.set(scope, [...(emails.get(scope) ?? []), ...sent]));
        if (typeof key === "string" && answer.status === 200) idempotent.set(`${scope}/${key}`, { body: text, status: answer.status, answer: answer.body });
        return json(res, answer.status, answer.body);
      }
      const answer = vendorAnswer(vendor, path, req.headers.authorization ?? "");
      return json(res, answer.status, answer.body);
    } catch (error) {
      return json(res, 400, { error: String(error) });
    }
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, host, resolve));
  const port = (server.address() as { port: number }).port;
  const url = `http://${host}:${port}`;
  return {
    url,
    port,
    baseUrls: (scope = "default") => ({
      STRIPE_API_BASE: `${url}/${scope}/stripe`,
      TWILIO_API_BASE: `${url}/${scope}/twilio`,
      RESEND_API_BASE: `${url}/${scope}/resend`,
    }),
    hookUrls: (scope = "default") => ({
      ALERT_WEBHOOK_URL: `${url}/${scope}/hooks/webhook`,
      ALERT_SLACK_WEBHOOK_URL: `${url}/${scope}/hooks/slack`,
      PAGERDUTY_EVENTS_URL: `${url}/${scope}/hooks/pagerduty`,
    }),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function vendorAnswer(vendor: Vendor, path: string, authorization: string): { status: number; body: unknown } {
  const c = FAKE_CREDENTIALS;
  if (vendor === "stripe") {
    if (path !== "/v1/balance") return { status: 404, body: { error: { type: "invalid_request_error", message: `Unrecognized request URL (GET: ${path}).` } } };
    if (authorization !== `Bearer ${c.STRIPE_SECRET_KEY}`)
      return { status: 401, body: { error: { type: "invalid_request_error", message: "Invalid API Key provided." } } };
    return {
      status: 200,
      body: {
        object: "balance",
        available: [{ amount: 1284500, currency: "usd", source_types: { card: 1284500 } }],
        pending: [{ amount: 35200, currency: "usd", source_types: { card: 35200 } }],
        livemode: false,
      },
    };
  }
  if (vendor === "twilio") {
    const expected = `Basic ${Buffer.from(`${c.TWILIO_ACCOUNT_SID}:${c.TWILIO_AUTH_TOKEN}`).toString("base64")}`;
    if (path !== `/2010-04-01/Accounts/${c.TWILIO_ACCOUNT_SID}.json`)
      return { status: 404, body: { code: 20404, message: "The requested resource was not found", status: 404 } };
    if (authorization !== expected) return { status: 401, body: { code: 20003, message: "Authenticate", status: 401 } };
    return {
      status: 200,
      body: {
        sid: c.TWILIO_ACCOUNT_SID,
        friendly_name: "Portal (local fake)",
        status: "active",
        type: "Full",
        date_created: "Mon, 01 Jan 2024 00:00:00 +0000",
        uri: `/2010-04-01/Accounts/${c.TWILIO_ACCOUNT_SID}.json`,
      },
    };
  }
  if (path !== "/domains") return { status: 404, body: { statusCode: 404, name: "not_found", message: "Route not found" } };
  if (authorization !== `Bearer ${c.RESEND_API_KEY}`)
    return { status: 401, body: { statusCode: 401, name: "validation_error", message: "API key is invalid" } };
  return {
    status: 200,
    body: {
      object: "list",
      data: [
        {
          id: "4dd369bc-aa82-4ff3-97de-514ae3000ee0",
          name: "mail.example.com",
          status: "verified",
          region: "us-east-1",
          created_at: "2024-01-01T00:00:00.000Z",
        },
      ],
    },
  };
}

/** Resend's POST /emails and /emails/batch: validated as Resend does, recorded as sent. */
function sendAnswer(path: string, text: string, authorization: string, record: (sent: SentEmail[]) => void): { status: number; body: unknown } {
  if (authorization !== `Bearer ${FAKE_CREDENTIALS.RESEND_API_KEY}`)
    return { status: 401, body: { statusCode: 401, name: "validation_error", message: "API key is invalid" } };
  const body = parseOr(text);
  const items = path === "/emails/batch" ? body : [body];
  const invalid = (message: string) => ({ status: 422, body: { statusCode: 422, name: "validation_error", message } });
  if (!Array.isArray(items) || items.length === 0) return invalid("The request body must be a non-empty array of emails");
  if (items.length > EMAIL_BATCH_MAX) return invalid(`Too many emails in one batch: at most ${EMAIL_BATCH_MAX}`);
  const sent: SentEmail[] = [];
  for (const item of items as Record<string, unknown>[]) {
    const to = typeof item?.to === "string" ? [item.to] : item?.to;
    if (typeof item?.from !== "string" || !Array.isArray(to) || to.length === 0 || typeof item.subject !== "string")
      return invalid("Each email needs from, to and subject");
    if (typeof item.text !== "string" && typeof item.html !== "string") return invalid("Each email needs text or html");
    sent.push({
      id: crypto.randomUUID(),
      at: new Date().toISOString(),
      from: item.from,
      to: to as string[],
      subject: item.subject,
      text: item.text as string | undefined,
      html: item.html as string | undefined,
      headers: item.headers as Record<string, string> | undefined,
    });
  }
  record(sent);
  return path === "/emails/batch" ? { status: 200, body: { data: sent.map((e) => ({ id: e.id })) } } : { status: 200, body: { id: sent[0]!.id } };
}

function parseOr(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = "";
    req.on("data", (chunk) => (data += chunk));
    req.on("end", () => resolve(data));
    req.on("error", reject);
  });
}
