// Requests the Worker sends itself (background cache refreshes) carry a token only this
// isolate knows, so outside clients cannot claim to be one.
const TOKEN = crypto.randomUUID();
const HEADER = "x-internal-refresh";

export function markInternal(headers: Headers): void {
  headers.set(HEADER, TOKEN);
}

export function isInternal(headers: Headers): boolean {
  return headers.get(HEADER) === TOKEN;
}
