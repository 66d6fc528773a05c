// Probe errors end up in public answers and in logs, so they are scrubbed of anything
// that could be a secret or describe the infrastructure, and kept short.
const MAX_LENGTH = 200;

const SCRUBBERS: [RegExp, string][] = [
  // URLs of any scheme, with or without credentials: connection strings, vendor hosts.
  [/\b[a-z][a-z0-9+.-]*:\/\/[^\s'"<>]+/gi, "[url]"],
  // Vendor keys and tokens: Stripe sk_/rk_/pk_, Resend re_, Twilio AC/SK sids, JWTs.
  [/\b(?:sk|rk|pk|re|whsec)_[A-Za-z0-9_]{6,}/g, "[secret]"],
  [/\b(?:AC|SK)[0-9a-f]{32}\b/gi, "[secret]"],
  [/\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, "[secret]"],
  [/\b(?:Bearer|Basic)\s+[A-Za-z0-9+/=._~-]+/gi, "[secret]"],
  [/\b(password|passwd|pwd|token|secret|api[_-]?key|authorization)\b\s*[=:]\s*\S+/gi, "$1=[secret]"],
  // Host:port pairs and IP addresses.
  [/\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b/g, "[host]"],
  [/\b(?:[a-z0-9-]+\.)+[a-z]{2,}(?::\d+)?\b/gi, "[host]"],
];

export function sanitizeErrorMessage(input: unknown): string {
  // Query builders wrap the driver's error ("Failed query: <sql>"); the cause says what failed.
  const error = input instanceof Error && input.cause instanceof Error ? input.cause : input;
  let text = error instanceof Error ? error.message : typeof error === "string" ? error : "unknown error";
  // Stack traces and anything after the first line.
  text = text.split(/\r?\n/)[0] ?? "";
  text = text.replace(/\s+at\s+\S+\s*\(.*$/g, "");
  for (const [pattern, replacement] of SCRUBBERS) text = text.replace(pattern, replacement);
  text = text.replace(/[\u0000-\u001f\u007f]/g, " ").trim();
  if (text === "") text = "unknown error";
  return text.length > MAX_LENGTH ? `${text.slice(0, MAX_LENGTH - 1)}…` : text;
}
