// What a failed dependency call may say in public: a short category from our own
// vocabulary, never the driver's or the platform's text (which can name hosts, databases,
// users or SQL). The full, sanitized detail goes to the logs only.
import { sanitizeErrorMessage } from "./sanitize.ts";

/** A failure whose message we wrote ourselves and is safe to show as it is. */
export class PublicFailure extends Error {}

// SQLSTATE classes and codes (PostgreSQL appendix A) that say why a connection failed.
const BY_SQLSTATE: [RegExp, string][] = [
  [/^28/, "authentication failed"],
  [/^3D000$/, "database not found"],
  [/^53300$/, "too many connections"],
  [/^57P0[123]$/, "restarting"],
  [/^08/, "unreachable"],
  [/^57014$/, "timed out"],
];

const TIMEOUT = /time(?:d)?[ -]?out|deadline/i;

/** The public category of a failure: e.g. "unreachable", "timed out after 2000 ms", "authentication failed". */
export function failureCategory(error: unknown): string {
  if (error instanceof PublicFailure) return error.message;
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = typeof cause === "object" && cause !== null && "code" in cause ? String((cause as { code: unknown }).code) : "";
  if (/^[0-9A-Z]{5}$/.test(code)) {
    for (const [pattern, category] of BY_SQLSTATE) if (pattern.test(code)) return category;
    // The server answered with an error: the code is a standard number, nothing of ours.
    return `query failed (SQLSTATE ${code})`;
  }
  const text = error instanceof Error ? `${error.name} ${error.message} ${cause instanceof Error ? cause.message : ""}` : String(error);
  if (/not configured|is not set/i.test(text)) return "not configured";
  if (TIMEOUT.test(text) || (error instanceof Error && error.name === "TimeoutError")) return "timed out";
  return "unreachable";
}

/** The detail for the logs: sanitized, never for public answers. */
export function failureDetail(error: unknown): string {
  return sanitizeErrorMessage(error);
}
