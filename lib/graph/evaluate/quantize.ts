/**
 * DequantizeLinear of constants, folded once per plan: a QDQ model's weights in front of an operator
 * with no int8 kernel (the Q/DQ fallback) become float constants, packed once like any float weight,
 * instead of being dequantized on every run. y = (x - zero_point) · scale in float32, per tensor or
 * per axis, as the native kernel computes it.
 */
import { allocateTensorData } from '../../onnx/tensor-proto.js';
import type { Evaluator } from './types.js';

const dequantizeLinear: Evaluator = {
  run(c, outputs) {
    const x = c.value(0)!;
    const scale = c.value(1)!;
    const zp = c.has(2) ? c.value(2)! : undefined;
    if (outputs[0]!.elemType !== 'float32' || scale.type !== 'float32' || c.node.attributes.has('block_size')) return undefined;
    if (!['int8', 'uint8', 'int32'].includes(x.type)) return undefined;
    const xs = x.data as Int8Array | Uint8Array | Int32Array;
    const s = scale.data as Float32Array;
    const z = zp ? (zp.data as Int8Array | Uint8Array | Int32Array) : undefined;
    const dims = x.dims;
    let channels = 1;
    let inner = xs.length;
    if (s.length > 1) {
      const axis = c.axis(c.int('axis', 1), dims.length);
      channels = dims[axis]!;
      inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
    }
    const out = allocateTensorData(Float32Array, xs.length);
    for (let i = 0; i < xs.length; i++) {
      const ch = channels === 1 ? 0 : Math.floor(i / inner) % channels;
      const diff = Math.fround(xs[i]! - (z ? z[z.length === 1 ? 0 : ch]! : 0));
      out[i] = Math.fround(diff * s[s.length === 1 ? 0 : ch]!);
    }
    return [out];
  },
};

export const quantizeEvaluators: Record<string, Evaluator> = { DequantizeLinear: dequantizeLinear };
