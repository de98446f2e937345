/**
 * Deterministic test data: a seeded PRNG (mulberry32) and generators for the typed arrays the
 * operators take, including the edge patterns that break int8 kernels (saturating int16 pairs,
 * extreme zero points, constant rows).
 */

export class Rng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** Uniform in [0, 2^32). mulberry32: tiny, fast, good enough for test data. */
  nextUint32(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Integer uniform in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }

  bool(): boolean {
    return this.nextUint32() < 0x80000000;
  }
}

export type QType = 'uint8' | 'int8';
export type QArray = Uint8Array | Int8Array;

export const Q_RANGE: { readonly [T in QType]: readonly [number, number] } = { uint8: [0, 255], int8: [-128, 127] };

export function newQArray(type: QType, n: number): QArray {
  return type === 'uint8' ? new Uint8Array(n) : new Int8Array(n);
}

/** Uniform random values over the whole type range. */
export function randomQ(rng: Rng, type: QType, n: number): QArray {
  const out = newQArray(type, n);
  const [lo, hi] = Q_RANGE[type];
  for (let i = 0; i < n; i++) out[i] = rng.int(lo, hi);
  return out;
}

export function filledQ(type: QType, n: number, value: number): QArray {
  return newQArray(type, n).fill(value);
}

/** Edge patterns for a quantized operand; each name is reported when a comparison fails. */
export const EDGE_PATTERNS = ['zeros', 'min', 'max', 'alternating', 'extremes', 'checker'] as const;
export type EdgePattern = (typeof EDGE_PATTERNS)[number];

export function edgeQ(rng: Rng, type: QType, n: number, pattern: EdgePattern): QArray {
  const [lo, hi] = Q_RANGE[type];
  const out = newQArray(type, n);
  for (let i = 0; i < n; i++) {
    switch (pattern) {
      case 'zeros': out[i] = 0; break;
      case 'min': out[i] = lo; break;
      case 'max': out[i] = hi; break;
      case 'alternating': out[i] = i % 2 === 0 ? lo : hi; break;
      case 'extremes': out[i] = rng.bool() ? lo : hi; break; // random signs of full-magnitude values
      case 'checker': out[i] = rng.pick([lo, hi, 0, lo + 1, hi - 1]); break;
    }
  }
  return out;
}

/** Random float32 values in [lo, hi). */
export function randomFloat32(rng: Rng, n: number, lo: number, hi: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * rng.next();
  return out;
}

/** A random float32 "scale": positive, spread over several binades. */
export function randomScale(rng: Rng): number {
  return Math.fround((0.5 + rng.next()) * 2 ** rng.int(-12, 2));
}

/** Random float32 vector of positive scales. */
export function randomScales(rng: Rng, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = randomScale(rng);
  return out;
}
