// Guards for request bodies on the write APIs: a size limit (413), no repeated keys in a
// JSON object (JSON.parse would silently keep the last one; a client that sends two
// values for one field gets told instead), and an empty body sent as JSON taken for what
// it is — no body — so routes whose body is optional accept it (many clients set
// Content-Type on every request).
import { bodyLimit } from "hono/body-limit";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.ts";
import { ApiError } from "./errors.ts";

export const MAX_BODY_BYTES = 64 * 1024;

export const limitBody = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: () => {
    throw new ApiError(413, "PAYLOAD_TOO_LARGE", `The request body is over the ${MAX_BODY_BYTES / 1024} KiB limit`);
  },
});

/**
 * The body as text, refusing bytes that are not UTF-8: decoding them leniently would turn
 * them into U+FFFD, which passes validation and is stored as something nobody sent.
 */
export async function utf8Body(c: Context<AppEnv>): Promise<string> {
  try {
    return UTF8.decode(await c.req.arrayBuffer());
  } catch {
    throw new ApiError(400, "VALIDATION_ERROR", "The request body is not valid UTF-8");
  }
}
const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

export const rejectDuplicateKeys = createMiddleware<AppEnv>(async (c, next) => {
  const type = c.req.header("content-type") ?? "";
  if (c.req.method !== "GET" && c.req.method !== "HEAD" && /^application\/(.+\+)?json\b/i.test(type)) {
    const text = await utf8Body(c);
    if (text.trim() === "") {
      const headers = new Headers(c.req.raw.headers);
      headers.delete("content-type");
      headers.delete("content-length");
      c.req.raw = new Request(c.req.raw.url, { method: c.req.method, headers });
    } else {
      const duplicate = findDuplicateKey(text);
      if (duplicate === "__proto__") throw new ApiError(400, "VALIDATION_ERROR", "__proto__: not an allowed key (it cannot be stored as sent)");
      if (duplicate !== null) throw new ApiError(400, "VALIDATION_ERROR", `${duplicate}: given more than once`);
    }
  }
  await next();
});

/**
 * The first key that appears twice in one object of a JSON text, or `__proto__` wherever
 * it appears (JSON.parse makes it an own property, which validation and storage drop
 * without a word), or null.
 */
export function findDuplicateKey(text: string): string | null {
  const objects: (Set<string> | null)[] = []; // null marks an array
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '"') {
      let end = i + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === "\\" ? 2 : 1;
      const literal = text.slice(i, end + 1);
      i = end + 1;
      let next = i;
      while (next < text.length && " \t\r\n".includes(text[next]!)) next++;
      const current = objects.at(-1);
      // A string followed by ':' inside an object is a key.
      if (text[next] === ":" && current) {
        let key: string;
        try {
          key = JSON.parse(literal) as string;
        } catch {
          return null; // malformed: the JSON parser will say so
        }
        if (current.has(key) || key === "__proto__") return key;
        current.add(key);
      }
      continue;
    }
    if (ch === "{") objects.push(new Set());
    else if (ch === "[") objects.push(null);
    else if (ch === "}" || ch === "]") objects.pop();
    i++;
  }
  return null;
}
