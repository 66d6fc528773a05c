// Sending: emails through Resend's API (the vendor the health probes already check), up to
// 100 in one batch call with an idempotency key (Resend keeps it 24 hours, so a batch sent
// again is not delivered twice); webhooks and Slack messages by POST. A failure throws a
// SendFailure whose message is safe to keep (no address, no secret).
const SEND_TIMEOUT_MS = 10_000;
export const EMAIL_BATCH = 100;

export class SendFailure extends Error {}

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
  let response: Response;
  try {
    response = await fetcher(url, {
      method: "POST",
      body,
      headers: { "content-type": "application/json", ...headers },
      signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
    });
  } catch (error) {
    throw new SendFailure(`${what}: ${error instanceof Error && error.name === "TimeoutError" ? `no answer in ${SEND_TIMEOUT_MS / 1000} s` : "unreachable"}`);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new SendFailure(`${what}: HTTP ${response.status}`);
  }
  return response;
}

/** One Resend call for up to 100 emails. */
export async function sendEmails(fetcher: typeof fetch, resend: ResendSettings, emails: OutgoingEmail[], idempotencyKey: string): Promise<void> {
  if (!resend.apiKey || !resend.from) throw new SendFailure("email: not configured (RESEND_API_KEY and NOTIFY_FROM)");
  const body = JSON.stringify(emails.map((e) => ({ from: resend.from, to: [e.to], subject: e.subject, text: e.text, html: e.html, headers: e.headers })));
  const response = await post(
    fetcher,
    `${resend.base}/emails/batch`,
    body,
    { authorization: `Bearer ${resend.apiKey}`, "idempotency-key": idempotencyKey },
    "email",
  );
  await response.body?.cancel();
}

export async function sendEmail(fetcher: typeof fetch, resend: ResendSettings, email: OutgoingEmail, idempotencyKey: string): Promise<void> {
  if (!resend.apiKey || !resend.from) throw new SendFailure("email: not configured (RESEND_API_KEY and NOTIFY_FROM)");
  const body = JSON.stringify({ from: resend.from, to: [email.to], subject: email.subject, text: email.text, html: email.html, headers: email.headers });
  const response = await post(fetcher, `${resend.base}/emails`, body, { authorization: `Bearer ${resend.apiKey}`, "idempotency-key": idempotencyKey }, "email");
  await response.body?.cancel();
}

/** A webhook or Slack POST; `headers` carry a webhook's signature and ids. */
export async function sendPost(fetcher: typeof fetch, url: string, body: string, headers: Record<string, string>, what: string): Promise<void> {
  const response = await post(fetcher, url, body, headers, what);
  await response.body?.cancel();
}
