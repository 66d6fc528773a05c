// HyperLogLog (Flajolet et al. 2007) for distinct customers per flag and day: 2^11 = 2048
// registers, a standard error of 1.04/sqrt(2048) ≈ 2.3 %. Sketches merge by taking the
// larger of each register (in SQL too: hll_merge), so isolates and days add up exactly as
// the union of what each saw. The hash is the flag bucket's (FNV-1a, fmix32) with its own
// seed, over the id's UTF-8 bytes.

export const PRECISION = 11;
export const REGISTERS = 1 << PRECISION;

export type Sketch = Int16Array;

export function newSketch(): Sketch {
  return new Int16Array(REGISTERS);
}

const FNV_PRIME = 0x01000193;
const SEED = 0x9e3779b9;

function hash32(id: string): number {
  let h = SEED;
  for (const byte of new TextEncoder().encode(id)) h = Math.imul(h ^ byte, FNV_PRIME);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function add(sketch: Sketch, id: string): void {
  const h = hash32(id);
  const register = h >>> (32 - PRECISION);
  // The rank: the position of the first 1 in the remaining bits (all zero: one past them).
  const rest = (h << PRECISION) >>> 0;
  const rank = rest === 0 ? 32 - PRECISION + 1 : Math.clz32(rest) + 1;
  if (rank > sketch[register]!) sketch[register] = rank;
}

export function merge(into: Sketch, other: ArrayLike<number>): void {
  for (let i = 0; i < REGISTERS; i++) if (other[i]! > into[i]!) into[i] = other[i]!;
}

/** The estimated number of distinct ids added, with the small-range (linear counting) correction. */
export function estimate(sketch: ArrayLike<number>): number {
  let sum = 0;
  let zeros = 0;
  for (let i = 0; i < REGISTERS; i++) {
    const r = sketch[i] ?? 0;
    sum += 2 ** -r;
    if (r === 0) zeros++;
  }
  const alpha = 0.7213 / (1 + 1.079 / REGISTERS);
  const raw = (alpha * REGISTERS * REGISTERS) / sum;
  if (raw <= 2.5 * REGISTERS && zeros > 0) return Math.round(REGISTERS * Math.log(REGISTERS / zeros));
  return Math.round(raw);
}
