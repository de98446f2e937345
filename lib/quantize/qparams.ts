/**
 * Affine quantization parameters from a range, as onnxruntime's quantizer computes them: the range is
 * widened to include 0 (so that 0 is exact, as padding and ReLU need), then
 *   asymmetric uint8: scale = (max - min) / 255, zero_point = round(-min / scale)
 *   symmetric:        scale = max(|min|, |max|) / 127 (int8) or / 255·2 (uint8, zero point 128)
 * A range of zero width (a constant tensor, all zeros) gets scale 1 rather than a division by zero
 * written into the model.
 */
import type { Range } from './observers.js';

export type QuantizedElement = 'uint8' | 'int8';

export interface QParams {
  scale: number;
  zeroPoint: number;
  type: QuantizedElement;
}

export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * `bits` below 8 (k-bit activations, simulated on the 8-bit kernels): the range is spread over 2^bits
 * levels of the 8-bit type — values inside the calibrated range use only those.
 */
export function qparamsFromRange(range: Range, type: QuantizedElement, symmetric: boolean, bits = 8): QParams {
  const min = Math.min(0, range.min);
  const max = Math.max(0, range.max);
  if (!Number.isFinite(min) || !Number.isFinite(max)) throw new RangeError(`cannot quantize the range [${range.min}, ${range.max}]`);
  const levels = (1 << bits) - 1;
  const [qmin, qmax] = type === 'int8' ? [-(1 << (bits - 1)), (1 << (bits - 1)) - 1] : [0, levels];
  if (symmetric) {
    const absMax = Math.max(-min, max);
    const scale = absMax === 0 ? 1 : Math.fround((2 * absMax) / (qmax - qmin));
    return { scale, zeroPoint: type === 'int8' ? 0 : 128, type };
  }
  if (max === min) return { scale: 1, zeroPoint: type === 'int8' ? 0 : 0, type };
  const scale = Math.fround((max - min) / (qmax - qmin));
  const zeroPoint = Math.max(qmin, Math.min(qmax, roundHalfEven(qmin - min / scale)));
  return { scale, zeroPoint, type };
}

/**
 * Symmetric weights (zero point 0) per output channel or per tensor: scale = max|w| / (2^(bits-1) - 1),
 * 127 for int8 (k-bit weights keep int8 storage and use that many levels).
 */
export function weightScales(w: Float32Array, channels: number, axisStride: number, perChannel: boolean, bits = 8): Float32Array {
  const qmax = (1 << (bits - 1)) - 1;
  const groups = perChannel ? channels : 1;
  const scales = new Float32Array(groups);
  const inner = perChannel ? axisStride : w.length;
  const outer = perChannel ? w.length / (channels * axisStride) : 1;
  for (let c = 0; c < groups; c++) {
    let m = 0;
    for (let o = 0; o < outer; o++)
      for (let i = 0; i < inner; i++) m = Math.max(m, Math.abs(w[(o * groups + c) * inner + i]!));
    scales[c] = m === 0 ? 1 : Math.fround(m / qmax);
  }
  return scales;
}
