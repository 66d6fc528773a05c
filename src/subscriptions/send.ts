// Sending: emails through Resend's API (the vendor the health probes already check), up to
// 100 in one batch call with an idempotency key (Resend keeps it 24 hours, so a batch sent
// again is not delivered twice); webhooks and Slack messages by POST, redirects not
// followed. A failure throws a SendFailure whose message is safe to keep (no address, no
// secret); Resend's 429 is a RateLimited, with how long to wait.
const SEND_TIMEOUT_MS = 10_000;
const DEFAULT_RETRY_AFTER_MS = 60_000;
export const EMAIL_BATCH = 100;

export class SendFailure extends Error {}

/** Resend's 429: wait this long before the next call. */
export class RateLimited extends SendFailure {
  readonly retryAfterMs: number;
  constructor(retryAfterMs: number) {
    super("email: rate limited");
    this.retryAfterMs = retryAfterMs;
  }
}

export interface ResendSettings {
  base: string;
  apiKey: string | undefined;
  from: string | undefined;
}

export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
}

async function post(fetcher: typeof fetch, url: string, body: string, headers: Record<string, string>, what: string): Promise<Response> {
  try {
    // No redirects: a subscriber's URL is where its messages (and its signing secret) go,
    // not wherever that URL points next.
    return await fetcher(url, {
      method: "POST",
      body,
      headers: { "content-type": "application/json", ...headers },
      redirect: "manual",
      signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
    });
  } catch (error) {
    throw new SendFailure(`${what}: ${error instanceof Error && error.name === "TimeoutError" ? `no answer in ${SEND_TIMEOUT_MS / 1000} s` : "unreachable"}`);
  }
}

async function refuse(response: Response, what: string): Promise<never> {
  await response.body?.cancel();
  const redirect = response.status >= 300 && response.status < 400 ? " (a redirect, not followed)" : "";
  throw new SendFailure(`${what}: HTTP ${response.status}${redirect}`);
}

/** Resend's answer to a send. A 409 for a key used before with another body means that earlier request was sent. */
async function emailAnswer(response: Response): Promise<void> {
  if (response.ok) {
    await response.body?.cancel();
    return;
  }
  if (response.status === 429) {
    await response.body?.cancel();
    const seconds = Number(response.headers.get("retry-after"));
    throw new RateLimited(Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds, 3600) * 1000 : DEFAULT_RETRY_AFTER_MS);
  }
  if (response.status === 409) {
    const answer = (await response.json().catch(() => null)) as { name?: string } | null;
    if (answer?.name === "invalid_idempotent_request") return;
    throw new SendFailure(`email: HTTP 409${answer?.name ? ` (${answer.name})` : ""}`);
  }
  return refuse(response, "email");
}

function emailRequest(resend: ResendSettings, email: OutgoingEmail) {
  return { from: resend.from, to: [email.to], subject: email.subject, text: email.text, html: email.html, headers: email.headers };
}

async function sendToResend(fetcher: typeof fetch, resend: ResendSettings, path: string, body: unknown, idempotencyKey: string): Promise<void> {
  if (!resend.apiKey || !resend.from) throw new SendFailure("email: not configured (RESEND_API_KEY and NOTIFY_FROM)");
  const headers = { authorization: `Bearer ${resend.apiKey}`, "idempotency-key": idempotencyKey };
  await emailAnswer(await post(fetcher, `${resend.base}${path}`, JSON.stringify(body), headers, "email"));
}

/** One Resend call for up to 100 emails. */
export async function sendEmails(fetcher: typeof fetch, resend: ResendSettings, emails: OutgoingEmail[], idempotencyKey: string): Promise<void> {
  await sendToResend(
    fetcher,
    resend,
    "/emails/batch",
    emails.map((e) => emailRequest(resend, e)),
    idempotencyKey,
  );
}

export async function sendEmail(fetcher: typeof fetch, resend: ResendSettings, email: OutgoingEmail, idempotencyKey: string): Promise<void> {
  await sendToResend(fetcher, resend, "/emails", emailRequest(resend, email), idempotencyKey);
}

/** A webhook or Slack POST; `headers` carry a webhook's signature and ids. */
export async function sendPost(fetcher: typeof fetch, url: string, body: string, headers: Record<string, string>, what: string): Promise<void> {
  const response = await post(fetcher, url, body, headers, what);
  if (!response.ok) return refuse(response, what);
  await response.body?.cancel();
}
