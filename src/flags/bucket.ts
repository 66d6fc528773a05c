// Rollout buckets, 0–99. FNV-1a (32-bit) over salt + ":" + id, finished with MurmurHash3's
// fmix32 for avalanche, modulo 100. flag_bucket() in drizzle/0003_flag_functions.sql is
// the same function in SQL; test/flags/golden-vectors.json pins both to the same outputs.
// Salts are ASCII (a CHECK constraint says so) and so are UUIDs; other ids are hashed as
// UTF-8, which is what Postgres's convert_to() produces.

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** The FNV state after `salt:`, computed once per flag so each evaluation hashes only the id. */
export function saltState(salt: string): number {
  return fnv(FNV_OFFSET, `${salt}:`);
}

export function bucketFrom(state: number, id: string): number {
  let h = fnv(state, id);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) % 100;
}

export function bucketOf(salt: string, id: string): number {
  return bucketFrom(saltState(salt), id);
}

function fnv(state: number, text: string): number {
  let h = state;
  const length = text.length;
  let i = 0;
  // Two characters a turn while both are ASCII (ids are, nearly always): fewer loop checks.
  for (; i + 1 < length; i += 2) {
    const a = text.charCodeAt(i);
    const b = text.charCodeAt(i + 1);
    if ((a | b) >= 0x80) break;
    h = Math.imul(Math.imul(h ^ a, FNV_PRIME) ^ b, FNV_PRIME);
  }
  for (; i < length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x80) {
      for (const byte of new TextEncoder().encode(text.slice(i))) h = Math.imul(h ^ byte, FNV_PRIME);
      break;
    }
    h = Math.imul(h ^ code, FNV_PRIME);
  }
  return h >>> 0;
}
