// Whether a failure means the database could not be reached (as opposed to a query that
// failed): a request that needed it is then answered 503 with Retry-After — the client did
// nothing wrong and may try again — rather than as an unexpected 500.
const UNREACHABLE_SQLSTATE = /^(08|57P0[123]$|53300$)/;
// What @neondatabase/serverless says when its HTTP request or its WebSocket fails.
const DRIVER_MESSAGES = /^(Error connecting to database|Server error \(HTTP status 5\d\d\))|Connection terminated|Network connection lost/;

export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 3; e = e.cause, depth++) {
    const code = "code" in e ? String((e as { code: unknown }).code) : "";
    if (UNREACHABLE_SQLSTATE.test(code)) return true;
    if (DRIVER_MESSAGES.test(e.message)) return true;
  }
  return false;
}
