// Requests the Worker sends itself (background cache refreshes) carry a token only this
// isolate knows, so outside clients cannot claim to be one. Made on first use: random
// values cannot be generated at global scope in Workers.
let token: string | undefined;
const HEADER = "x-internal-refresh";

const isolateToken = () => (token ??= crypto.randomUUID());

export function markInternal(headers: Headers): void {
  headers.set(HEADER, isolateToken());
}

export function isInternal(headers: Headers): boolean {
  const presented = headers.get(HEADER);
  return presented !== null && presented === isolateToken();
}
