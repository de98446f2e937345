/**
 * Bit-exact comparison of typed arrays. On failure the message names the shape, the first differing
 * element as a multi-index ([m,n] for a matrix), both values (and float bits), how many elements
 * differ, and the parameters of the case (zero points, scales, ISA...) so it can be replayed.
 */
import { binding } from '../../lib/binding.js';

type Numeric = Int32Array | Uint8Array | Int8Array | Float32Array | Uint16Array;

function multiIndex(flat: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length).fill(0);
  let rest = flat;
  for (let d = shape.length - 1; d >= 0; d--) {
    const size = shape[d]!;
    if (size === 0) break;
    index[d] = rest % size;
    rest = Math.floor(rest / size);
  }
  return index;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
function floatBits(v: number): string {
  f32[0] = v;
  return `0x${u32[0]!.toString(16).padStart(8, '0')}`;
}

function render(value: number, isFloat: boolean): string {
  return isFloat ? `${Object.is(value, -0) ? '-0' : value} (${floatBits(value)})` : String(value);
}

function renderParams(params: Record<string, unknown>): string {
  return Object.entries(params)
    .map(([k, v]) => {
      if (ArrayBuffer.isView(v)) {
        const arr = Array.from(v as unknown as ArrayLike<number>);
        return `${k}=[${arr.slice(0, 16).join(',')}${arr.length > 16 ? `,… (${arr.length})` : ''}]`;
      }
      return `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`;
    })
    .join(' ');
}

/**
 * Compares element by element, bitwise for float32 (so -0 ≠ +0 and NaN payloads count).
 * `shape` is the logical shape of both arrays (their lengths must match its product).
 */
export function expectBitExact(actual: Numeric, expected: Numeric, shape: readonly number[], params: Record<string, unknown> = {}): void {
  const context = () => `shape [${shape.join(',')}] isa=${binding.runtimeInfo().isa} ${renderParams(params)}`;
  if (actual.constructor !== expected.constructor) {
    throw new Error(`array type differs: got ${actual.constructor.name}, expected ${expected.constructor.name}; ${context()}`);
  }
  if (actual.length !== expected.length) {
    throw new Error(`length differs: got ${actual.length}, expected ${expected.length}; ${context()}`);
  }
  const isFloat = actual instanceof Float32Array;
  let first = -1;
  let count = 0;
  if (isFloat) {
    const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
    const e = new Uint32Array((expected as Float32Array).buffer, expected.byteOffset, expected.length);
    for (let i = 0; i < a.length; i++) if (a[i] !== e[i]) { if (first < 0) first = i; count++; }
  } else {
    for (let i = 0; i < actual.length; i++) if (actual[i] !== expected[i]) { if (first < 0) first = i; count++; }
  }
  if (first < 0) return;
  throw new Error(
    `${count} of ${actual.length} elements differ; first at [${multiIndex(first, shape).join(',')}] (flat ${first}): ` +
      `got ${render(actual[first]!, isFloat)}, expected ${render(expected[first]!, isFloat)}; ${context()}`,
  );
}
