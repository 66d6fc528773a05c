// Every failure leaves the Worker as the same JSON envelope. Client mistakes are 4xx
// with what was wrong; anything unexpected is a 500 that names only the request id.
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../env.ts";
import { failure } from "./envelope.ts";
import { ConfigError } from "../config.ts";
import { isDatabaseUnavailable } from "../db/failure-kinds.ts";
import { DomainError } from "../lib/domain-error.ts";
import { logEvent } from "../lib/log.ts";
import { sanitizeErrorMessage } from "../lib/sanitize.ts";
import { isOfrepPath, ofrepError, type OfrepErrorCode } from "../ofrep/errors.ts";

export class ApiError extends Error {
  readonly status: ContentfulStatusCode;
  readonly code: string;
  readonly details?: unknown;

  constructor(status: ContentfulStatusCode, code: string, message: string, details?: unknown) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** Retry-After on a 503 for an unreachable database: about how long a failover takes. */
const DATABASE_RETRY_SECONDS = 30;

export function handleError(error: Error, c: Context<AppEnv>): Response {
  if (isDatabaseUnavailable(error)) {
    logEvent("warn", "database_unavailable", { requestId: c.get("requestId"), path: c.req.path, detail: sanitizeErrorMessage(error) });
    c.header("Retry-After", String(DATABASE_RETRY_SECONDS));
    error = new ApiError(503, "DATABASE_UNAVAILABLE", "The database is unavailable; try again shortly");
  }
  const response = envelopeFor(error, c);
  // OFREP clients read OFREP's error shape, not this API's envelope.
  if (isOfrepPath(c.req.path)) return asOfrepError(c, response.status as ContentfulStatusCode, error);
  return response;
}

function asOfrepError(c: Context<AppEnv>, status: ContentfulStatusCode, error: Error): Response {
  const code: OfrepErrorCode = status === 400 || status === 413 || status === 415 ? "PARSE_ERROR" : "GENERAL";
  const details =
    error instanceof ApiError || error instanceof HTTPException || error instanceof DomainError
      ? error.message || "Request failed"
      : `An unexpected error occurred (request ${c.get("requestId")})`;
  return ofrepError(c, status, code, status === 415 ? "Send the request body as application/json" : details);
}

function envelopeFor(error: Error, c: Context<AppEnv>): Response {
  const requestId = c.get("requestId");
  if (error instanceof ApiError) {
    return c.json(failure(error.code, error.message, { requestId, details: error.details }), error.status);
  }
  if (error instanceof DomainError) {
    const status = error.kind === "not_found" ? 404 : error.kind === "conflict" ? 409 : 400;
    return c.json(failure(error.code, error.message, { requestId }), status);
  }
  if (error instanceof HTTPException) {
    const status = error.status as ContentfulStatusCode;
    const [code, message] =
      status === 400
        ? ["BAD_REQUEST", error.message === "Malformed JSON in request body" ? "The request body is not valid JSON" : error.message]
        : status === 401
          ? ["UNAUTHORIZED", error.message]
          : status === 413
            ? ["PAYLOAD_TOO_LARGE", error.message]
            : status === 415
              ? ["UNSUPPORTED_MEDIA_TYPE", "Send the request body as application/json"]
              : ["HTTP_ERROR", error.message];
    return c.json(failure(code, message || "Request failed", { requestId }), status);
  }
  if (error instanceof ConfigError) {
    // The operator reads the log, which names the setting; the client learns only that
    // the fault is ours. (A ConfigError never carries a secret's value.)
    logEvent("error", "configuration_error", { requestId, variable: error.variable, message: error.message });
    return c.json(failure("CONFIGURATION_ERROR", "The service is misconfigured", { requestId }), 500);
  }
  logEvent("error", "unhandled_error", { requestId, path: c.req.path, error: error.name, message: sanitizeErrorMessage(error) });
  return c.json(failure("INTERNAL_ERROR", "An unexpected error occurred", { requestId }), 500);
}
