// What kind of database failure an error is, from the driver's error and its causes:
// - unavailable: the database could not be reached (as opposed to a query that failed); a
//   request that needed it is answered 503 with Retry-After — the client did nothing wrong
//   and may try again — rather than as an unexpected 500;
// - refused as data: the database rejected the values themselves (SQLSTATE class 22, data
//   exception, or 23, integrity constraint), so sending them again would fail again.
const UNREACHABLE_SQLSTATE = /^(08|57P0[123]$|53300$)/;
const DATA_SQLSTATE = /^2[23]/;
// What @neondatabase/serverless says when its HTTP request or its WebSocket fails.
const DRIVER_MESSAGES = /^(Error connecting to database|Server error \(HTTP status 5\d\d\))|Connection terminated|Network connection lost/;

/** The error and its causes, a few deep. */
function* chain(error: unknown): Generator<Error> {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 3; e = e.cause, depth++) yield e;
}

const sqlState = (e: Error) => ("code" in e ? String((e as { code: unknown }).code) : "");

export function isDatabaseUnavailable(error: unknown): boolean {
  for (const e of chain(error)) if (UNREACHABLE_SQLSTATE.test(sqlState(e)) || DRIVER_MESSAGES.test(e.message)) return true;
  return false;
}

export function isRefusedAsData(error: unknown): boolean {
  for (const e of chain(error)) if (DATA_SQLSTATE.test(sqlState(e))) return true;
  return false;
}
