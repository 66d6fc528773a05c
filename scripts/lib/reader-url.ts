// The same database as the read-only role phs_reader, with no password: what a local
// Postgres with trust authentication (the dev server, the tests) accepts.
export function readerUrl(url: string): string {
  const reader = new URL(url);
  reader.username = "phs_reader";
  reader.password = "";
  return reader.toString();
}
