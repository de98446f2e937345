/**
 * Shape rules of convolutions and pooling: kernel_shape / strides / dilations / pads with auto_pad
 * (NOTSET, SAME_UPPER, SAME_LOWER, VALID) and ceil_mode, for Conv, ConvInteger, QLinearConv,
 * ConvTranspose, MaxPool, AveragePool, LpPool and the global pools. Inputs are [N, C, spatial...].
 */
import type { OnnxElemType } from '../../onnx/model.js';
import { formatShape } from '../broadcast.js';
import type { NodeContext, ShapeRule, TensorType } from './context.js';

/** The window attributes of a conv/pool node, resolved against its spatial rank. */
export interface WindowParams {
  kernel: number[];
  strides: number[];
  dilations: number[];
  /** [begin_0..begin_n-1, end_0..end_n-1] as given (ignored unless autoPad is NOTSET). */
  pads: number[];
  autoPad: 'NOTSET' | 'SAME_UPPER' | 'SAME_LOWER' | 'VALID';
  ceilMode: boolean;
}

function listAttr(c: NodeContext, name: string, length: number, fallback: number, positive: boolean): number[] {
  const v = c.ints(name);
  if (v === undefined) return new Array<number>(length).fill(fallback);
  if (v.length !== length) throw c.rangeError(`attribute '${name}' must have ${length} values (one per spatial dim), got [${v.join(',')}]`);
  if (v.some((x) => !Number.isInteger(x) || (positive ? x < 1 : x < 0))) {
    throw c.rangeError(`attribute '${name}' values must be ${positive ? 'positive' : 'non-negative'} integers, got [${v.join(',')}]`);
  }
  return v;
}

/** Reads kernel_shape (or `kernelFallback`), strides, dilations, pads, auto_pad and ceil_mode. */
export function windowParams(c: NodeContext, spatialRank: number, kernelFallback?: number[]): WindowParams {
  let kernel = c.ints('kernel_shape');
  if (kernel === undefined) {
    if (!kernelFallback) throw c.typeError("attribute 'kernel_shape' is required");
    kernel = kernelFallback;
  }
  if (kernel.length !== spatialRank) {
    throw c.rangeError(`kernel_shape [${kernel.join(',')}] must have ${spatialRank} values for an input with ${spatialRank} spatial dims`);
  }
  if (kernel.some((k) => !Number.isInteger(k) || k < 1)) throw c.rangeError(`kernel_shape values must be positive, got [${kernel.join(',')}]`);
  const strides = listAttr(c, 'strides', spatialRank, 1, true);
  const dilations = listAttr(c, 'dilations', spatialRank, 1, true);
  const padsAttr = c.ints('pads');
  let pads = new Array<number>(2 * spatialRank).fill(0);
  if (padsAttr !== undefined) {
    if (padsAttr.length !== 2 * spatialRank) {
      throw c.rangeError(`attribute 'pads' must have ${2 * spatialRank} values (begin and end per spatial dim), got [${padsAttr.join(',')}]`);
    }
    if (padsAttr.some((p) => !Number.isInteger(p) || p < 0)) throw c.rangeError(`pads must be non-negative, got [${padsAttr.join(',')}]`);
    pads = padsAttr;
  }
  // Old exporters write auto_pad="" for the default.
  const autoPadRaw = c.string('auto_pad', 'NOTSET') || 'NOTSET';
  if (!['NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'].includes(autoPadRaw)) {
    throw c.rangeError(`auto_pad must be NOTSET, SAME_UPPER, SAME_LOWER or VALID, got '${autoPadRaw}'`);
  }
  const ceilMode = c.int('ceil_mode', 0);
  if (ceilMode !== 0 && ceilMode !== 1) throw c.rangeError(`ceil_mode must be 0 or 1, got ${ceilMode}`);
  return { kernel, strides, dilations, pads, autoPad: autoPadRaw as WindowParams['autoPad'], ceilMode: ceilMode === 1 };
}

/**
 * Output spatial sizes of a convolution or pool, and the pads actually applied (auto_pad resolved:
 * SAME pads total (out-1)·s + dk - in, the extra one at the end for SAME_UPPER, at the begin for
 * SAME_LOWER). ceil_mode rounds the window count up but drops a last window that would start in the
 * end padding (as onnxruntime and PyTorch do).
 */
export function windowOutput(c: NodeContext, input: readonly number[], p: WindowParams): { output: number[]; pads: number[] } {
  const n = input.length;
  const output: number[] = [];
  const pads = new Array<number>(2 * n).fill(0);
  for (let i = 0; i < n; i++) {
    const size = input[i]!;
    const stride = p.strides[i]!;
    const extent = (p.kernel[i]! - 1) * p.dilations[i]! + 1;
    let out: number;
    if (p.autoPad === 'SAME_UPPER' || p.autoPad === 'SAME_LOWER') {
      out = Math.ceil(size / stride);
      const total = Math.max(0, (out - 1) * stride + extent - size);
      const small = Math.floor(total / 2);
      pads[i] = p.autoPad === 'SAME_UPPER' ? small : total - small;
      pads[n + i] = total - pads[i]!;
    } else {
      if (p.autoPad === 'NOTSET') {
        pads[i] = p.pads[i]!;
        pads[n + i] = p.pads[n + i]!;
      }
      const span = size + pads[i]! + pads[n + i]! - extent;
      if (span < 0) {
        throw c.rangeError(`spatial dim ${i} of size ${size} (padded ${size + pads[i]! + pads[n + i]!}) is smaller than the kernel extent ${extent}`);
      }
      if (p.ceilMode) {
        out = Math.ceil(span / stride) + 1;
        if ((out - 1) * stride >= size + pads[i]!) out--;
      } else {
        out = Math.floor(span / stride) + 1;
      }
    }
    output.push(out);
  }
  return { output, pads };
}

function requireSpatial(c: NodeContext, i: number, what: string): number[] {
  const s = c.shape(i);
  if (s.length < 3) throw c.rangeError(`${what} must be [N, C, spatial...] (rank >= 3), got shape ${formatShape(s)}`);
  return s;
}

/** Conv-like output shape of X (input xi) and W (input wi). */
function convShape(c: NodeContext, xi: number, wi: number, bi: number): number[] {
  const x = requireSpatial(c, xi, `${c.label(xi)} (X)`);
  const w = c.shape(wi);
  if (w.length !== x.length) throw c.rangeError(`W shape ${formatShape(w)} must have the rank of X shape ${formatShape(x)}`);
  const group = c.int('group', 1);
  if (!Number.isInteger(group) || group < 1) throw c.rangeError(`group must be a positive integer, got ${group}`);
  const channels = x[1]!;
  const m = w[0]!;
  if (channels !== w[1]! * group) {
    throw c.rangeError(`X has ${channels} channels but W shape ${formatShape(w)} with group ${group} expects ${w[1]! * group}`);
  }
  if (m % group !== 0) throw c.rangeError(`W's ${m} output channels are not divisible by group ${group}`);
  if (c.has(bi)) {
    const b = c.shape(bi);
    if (b.length !== 1 || b[0] !== m) throw c.rangeError(`B must have shape [${m}], got ${formatShape(b)}`);
  }
  const params = windowParams(c, x.length - 2, w.slice(2));
  for (let i = 0; i < params.kernel.length; i++) {
    if (params.kernel[i] !== w[2 + i]) throw c.rangeError(`kernel_shape [${params.kernel.join(',')}] does not match W shape ${formatShape(w)}`);
  }
  return [x[0]!, m, ...windowOutput(c, x.slice(2), params).output];
}

const conv: ShapeRule = (c) => [{ elemType: c.sameType(0, 1, 2), shape: convShape(c, 0, 1, 2) }];

const convInteger: ShapeRule = (c) => {
  // x, w, x_zero_point, w_zero_point
  c.sameType(0, 2);
  c.sameType(1, 3);
  return [{ elemType: 'int32', shape: convShape(c, 0, 1, -1) }];
};

const qlinearConv: ShapeRule = (c) => {
  // x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale, y_zero_point, B
  c.sameType(0, 2);
  c.sameType(3, 5);
  const elemType: OnnxElemType = c.input(7).elemType;
  if (c.has(8)) c.requireType(8, ['int32'], `${c.label(8)} (B)`);
  return [{ elemType, shape: convShape(c, 0, 3, 8) }];
};

const convTranspose: ShapeRule = (c) => {
  const elemType = c.sameType(0, 1, 2);
  const x = requireSpatial(c, 0, `${c.label(0)} (X)`);
  const w = c.shape(1);
  const n = x.length - 2;
  if (w.length !== x.length) throw c.rangeError(`W shape ${formatShape(w)} must have the rank of X shape ${formatShape(x)}`);
  const group = c.int('group', 1);
  if (!Number.isInteger(group) || group < 1) throw c.rangeError(`group must be a positive integer, got ${group}`);
  if (x[1] !== w[0]) throw c.rangeError(`X has ${x[1]} channels but W shape ${formatShape(w)} expects ${w[0]}`);
  if (w[0]! % group !== 0) throw c.rangeError(`W's ${w[0]} input channels are not divisible by group ${group}`);
  const m = w[1]! * group;
  if (c.has(2)) {
    const b = c.shape(2);
    if (b.length !== 1 || b[0] !== m) throw c.rangeError(`B must have shape [${m}], got ${formatShape(b)}`);
  }
  const p = windowParams(c, n, w.slice(2));
  const outputPadding = listAttr(c, 'output_padding', n, 0, false);
  const outputShape = c.ints('output_shape');
  let spatial: number[];
  if (outputShape !== undefined) {
    if (outputShape.length !== n && outputShape.length !== n + 2) {
      throw c.rangeError(`output_shape [${outputShape.join(',')}] must have ${n} values (the spatial dims)`);
    }
    spatial = outputShape.slice(outputShape.length - n);
  } else {
    spatial = x.slice(2).map((size, i) => {
      if (p.autoPad === 'SAME_UPPER' || p.autoPad === 'SAME_LOWER') return size * p.strides[i]!;
      const pads = p.autoPad === 'VALID' ? 0 : p.pads[i]! + p.pads[n + i]!;
      return p.strides[i]! * (size - 1) + outputPadding[i]! + (p.kernel[i]! - 1) * p.dilations[i]! + 1 - pads;
    });
  }
  if (spatial.some((d) => d < 0)) throw c.rangeError(`output spatial shape [${spatial.join(',')}] is negative`);
  return [{ elemType, shape: [x[0]!, m, ...spatial] }];
};

function pool(withIndices: boolean): ShapeRule {
  return (c) => {
    const x = requireSpatial(c, 0, `${c.label(0)} (X)`);
    const p = windowParams(c, x.length - 2);
    const shape = [x[0]!, x[1]!, ...windowOutput(c, x.slice(2), p).output];
    const out: TensorType[] = [{ elemType: c.input(0).elemType, shape }];
    if (withIndices) out.push({ elemType: 'int64', shape: [...shape] });
    return out;
  };
}

const globalPool: ShapeRule = (c) => {
  const x = c.shape(0);
  if (x.length < 2) throw c.rangeError(`X must be [N, C, spatial...], got shape ${formatShape(x)}`);
  return [{ elemType: c.input(0).elemType, shape: [x[0]!, x[1]!, ...x.slice(2).map(() => 1)] }];
};

export const convRules: Record<string, ShapeRule> = {
  Conv: conv,
  ConvInteger: convInteger,
  QLinearConv: qlinearConv,
  ConvTranspose: convTranspose,
  MaxPool: pool(true),
  AveragePool: pool(false),
  LpPool: pool(false),
  GlobalAveragePool: globalPool,
  GlobalMaxPool: globalPool,
  GlobalLpPool: globalPool,
};
