/**
 * quantizeWeights: weight-only quantization — activations stay float, weights are stored small and
 * turned back into floats by the runtime. No calibration data.
 *
 *   bits 4 or 8: every MatMul and Gemm with a constant 2-D float weight becomes com.microsoft
 *     MatMulNBits (the format onnxruntime's MatMulNBits quantizer writes and transformers.js q4 models
 *     use): codes of `bits` bits, a float scale and a zero point per output column and block of
 *     `blockSize` input values (or one block per column with perChannel). The weights stay 4 or 8
 *     bits in memory; octet and onnxruntime dequantize them inside the kernel.
 *     Conv weights (when Conv is not excluded) become int8 per output channel behind a
 *     DequantizeLinear: the file shrinks 4×, and the runtime dequantizes them once per session.
 *   bits 16: every such weight (MatMul, Gemm, Conv) is stored as float16 behind a Cast to float
 *     (mixed precision: half the size, float arithmetic).
 *
 * Asymmetric blocks (the default) map [min(0, min), max(0, max)] onto 0..2^bits-1 with an integer
 * zero point, so 0 stays exact; symmetric blocks map [-max|w|, max|w|] onto codes centred on
 * 2^(bits-1) and store no zero points.
 */
import type { IrGraph, IrNode } from '../graph/ir.js';
import { floatAttribute, intAttribute, NameAllocator } from '../graph/passes/graph-queries.js';
import { float32ArrayToFloat16 } from '../float16.js';
import { allocateTensorData } from '../onnx/index.js';
import { floatGraph } from './float-graph.js';
import { roundHalfEven, weightScales } from './qparams.js';
import type { QuantizedModel, QuantizationReport } from './quantize-static.js';
import { rewrittenModel } from './rewritten-model.js';

export interface QuantizeWeightsOptions {
  /** Bits per weight: 4 or 8 (MatMulNBits; Conv int8), or 16 (float16 storage). Default 4. */
  bits?: 4 | 8 | 16;
  /** Input values (K) sharing one scale and zero point: a power of 2, at least 16. Default 32. */
  blockSize?: number;
  /** One block per output column (per channel) instead of blocks of blockSize. Default false. */
  perChannel?: boolean;
  /** Codes centred on 2^(bits-1) with no zero points stored. Default false (asymmetric, min/max). */
  symmetric?: boolean;
  /** Node names or operator types ('MatMul', 'Gemm', 'Conv') kept float. */
  exclude?: readonly string[];
}

const WHO = 'quantizeWeights';

interface Settings {
  bits: 4 | 8 | 16;
  blockSize: number;
  perChannel: boolean;
  symmetric: boolean;
  exclude: Set<string>;
}

function checkOptions(options: unknown): Settings {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new TypeError(`${WHO}: options must be an object`);
  const o = options as QuantizeWeightsOptions;
  const known = new Set(['bits', 'blockSize', 'perChannel', 'symmetric', 'exclude']);
  for (const key of Object.keys(o)) if (!known.has(key)) throw new TypeError(`${WHO}: unknown option '${key}' (expected ${[...known].join(', ')})`);
  const bits = o.bits ?? 4;
  if (bits !== 4 && bits !== 8 && bits !== 16) throw new RangeError(`${WHO}: bits must be 4, 8 or 16, got ${String(bits)}`);
  const blockSize = o.blockSize ?? 32;
  if (!Number.isInteger(blockSize) || blockSize < 16 || (blockSize & (blockSize - 1)) !== 0) {
    throw new RangeError(`${WHO}: blockSize must be a power of 2 of at least 16, got ${String(blockSize)}`);
  }
  for (const key of ['perChannel', 'symmetric'] as const) {
    if (o[key] !== undefined && typeof o[key] !== 'boolean') throw new TypeError(`${WHO}: ${key} must be a boolean`);
  }
  if (o.exclude !== undefined && (!Array.isArray(o.exclude) || o.exclude.some((e) => typeof e !== 'string'))) {
    throw new TypeError(`${WHO}: exclude must be an array of node names or operator types`);
  }
  return { bits, blockSize, perChannel: o.perChannel ?? false, symmetric: o.symmetric ?? false, exclude: new Set(o.exclude ?? []) };
}

/** The codes, scales and zero points of a [K, N] weight in MatMulNBits' layout. */
export interface NBitsWeight {
  K: number;
  N: number;
  bits: 4 | 8;
  blockSize: number;
  /** [N, blocks, blockSize · bits / 8]: column n's block b, values in k order, 4-bit low nibble first. */
  codes: Uint8Array;
  /** [N · blocks]. */
  scales: Float32Array;
  /** Packed at `bits` per value, ceil(blocks · bits / 8) bytes per column; undefined when symmetric. */
  zeroPoints?: Uint8Array;
}

/**
 * Quantizes w ([K, N] row-major, float) block by block along K. Asymmetric: the block's range widened
 * to include 0 over 0..2^bits-1; symmetric: ±max|w| over codes 1..2^bits-1 around 2^(bits-1).
 * A block of zeros gets scale 1 (never a zero scale in the file).
 */
export function quantizeNBits(w: Float32Array, K: number, N: number, bits: 4 | 8, blockSize: number, symmetric: boolean): NBitsWeight {
  const blocks = Math.ceil(K / blockSize);
  const blob = (blockSize * bits) / 8;
  const qmax = (1 << bits) - 1;
  const mid = 1 << (bits - 1);
  const codes = new Uint8Array(N * blocks * blob);
  const scales = new Float32Array(N * blocks);
  const zpPerColumn = Math.ceil((blocks * bits) / 8);
  const zeroPoints = symmetric ? undefined : new Uint8Array(N * zpPerColumn);
  for (let n = 0; n < N; n++) {
    for (let b = 0; b < blocks; b++) {
      const k0 = b * blockSize, k1 = Math.min(K, k0 + blockSize);
      let lo = 0, hi = 0;
      for (let k = k0; k < k1; k++) {
        const v = w[k * N + n]!;
        if (!Number.isFinite(v)) throw new RangeError(`${WHO}: weight value ${v} at [${k}, ${n}] cannot be quantized`);
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      let scale: number, zp: number;
      if (symmetric) {
        const absMax = Math.max(-lo, hi);
        scale = absMax === 0 ? 1 : Math.fround(absMax / (mid - 1));
        zp = mid;
      } else {
        scale = hi === lo ? 1 : Math.fround((hi - lo) / qmax);
        zp = Math.max(0, Math.min(qmax, roundHalfEven(-lo / scale)));
      }
      scales[n * blocks + b] = scale;
      if (zeroPoints) {
        if (bits === 8) zeroPoints[n * zpPerColumn + b] = zp;
        else zeroPoints[n * zpPerColumn + (b >> 1)]! |= zp << ((b & 1) * 4);
      }
      const base = (n * blocks + b) * blob;
      for (let i = 0; i < blockSize; i++) {
        const k = k0 + i;
        // Past K (a short last block) the code is the zero point: those values dequantize to 0.
        const q = k < k1 ? Math.max(0, Math.min(qmax, roundHalfEven(w[k * N + n]! / scale) + zp)) : zp;
        if (bits === 8) codes[base + i] = q;
        else codes[base + (i >> 1)]! |= q << ((i & 1) * 4);
      }
    }
  }
  return { K, N, bits, blockSize, codes, scales, ...(zeroPoints ? { zeroPoints } : {}) };
}

export async function quantizeWeights(model: string | Uint8Array, options: QuantizeWeightsOptions = {}): Promise<QuantizedModel> {
  const s = checkOptions(options);
  const { graph: g, bytes } = await floatGraph(model, WHO);
  const originalNames = g.nodes.map((n) => n.name);
  const names = new NameAllocator(g);
  const rewrite = new GraphRewriter(g, names);
  const out: IrNode[] = [];
  const quantizedNodes: string[] = [];
  const weights: QuantizationReport['weights'] = [];

  for (const n of g.nodes) {
    const excluded = s.exclude.has(n.name) || s.exclude.has(n.opType);
    const standard = n.domain === '' || n.domain === 'ai.onnx';
    const w = g.constants.get(n.inputs[1] ?? '');
    const floatWeight = w !== undefined && w.type === 'float32' && !g.constants.has(n.inputs[0] ?? '');
    const isGemm = n.opType === 'Gemm' && intAttribute(n, 'transA', 0) === 0;
    if (excluded || !standard || !floatWeight || !w) {
      out.push(n);
      continue;
    }
    if ((n.opType === 'MatMul' || isGemm) && w.dims.length === 2) {
      const transB = isGemm && intAttribute(n, 'transB', 0) !== 0;
      const [K, N] = transB ? [w.dims[1]!, w.dims[0]!] : [w.dims[0]!, w.dims[1]!];
      const alpha = isGemm ? floatAttribute(n, 'alpha', 1) : 1;
      if (s.bits === 16) {
        out.push(...rewrite.halfWeight(n, 1));
      } else {
        const kn = weightAsKN(w.data as Float32Array, K, N, transB, alpha);
        const blockSize = s.perChannel ? Math.max(16, 2 ** Math.ceil(Math.log2(K))) : s.blockSize;
        const q = quantizeNBits(kn, K, N, s.bits, blockSize, s.symmetric);
        out.push(...rewrite.matmulNBits(n, q, isGemm));
      }
      quantizedNodes.push(n.name);
      weights.push({ name: n.inputs[1]!, perChannel: s.perChannel, channels: N });
    } else if (n.opType === 'Conv' && w.dims.length >= 3) {
      out.push(...(s.bits === 16 ? rewrite.halfWeight(n, 1) : rewrite.int8Conv(n, w.data as Float32Array, w.dims)));
      quantizedNodes.push(n.name);
      weights.push({ name: n.inputs[1]!, perChannel: true, channels: w.dims[0]! });
    } else {
      out.push(n);
    }
  }
  g.nodes = out;
  if (quantizedNodes.length > 0 && s.bits !== 16) g.opsets.set('com.microsoft', 1);
  // Per-channel DequantizeLinear needs opset 13.
  return rewrittenModel(g, { method: 'weight-only', minOpset: 13, originalNames, quantizedNodes, weights, bytesBefore: bytes.length });
}

/** W as [K, N] row-major (a Gemm's transB undone), alpha folded in. */
function weightAsKN(src: Float32Array, K: number, N: number, transB: boolean, alpha: number): Float32Array {
  const kn = new Float32Array(K * N);
  for (let k = 0; k < K; k++) for (let c = 0; c < N; c++) kn[k * N + c] = Math.fround((transB ? src[c * K + k]! : src[k * N + c]!) * alpha);
  return kn;
}

/**
 * Adds the constants and nodes that replace one weight reader; each method returns the nodes to put
 * in its place (a DequantizeLinear or Cast of a constant first: the order stays topological).
 */
class GraphRewriter {
  constructor(
    private readonly g: IrGraph,
    private readonly names: NameAllocator,
  ) {}

  private constant(base: string, type: 'int8' | 'uint8' | 'float32' | 'float16', dims: number[], data: ArrayBufferView): string {
    const name = this.names.fresh(base);
    this.g.constants.set(name, { name, type, dims, data: data as never });
    this.g.types.set(name, { elemType: type, shape: dims });
    return name;
  }

  private node(opType: string, domain: string, inputs: string[], outputs: string[], attributes: IrNode['attributes'] = new Map()): IrNode {
    const opset = domain === '' ? Math.max(this.g.opsets.get('') ?? 0, 13) : 1;
    return { id: this.g.nextId++, name: this.names.fresh(`${outputs[0]}_${opType}`), opType, domain, opset, inputs, outputs, attributes };
  }

  /** MatMul / Gemm → MatMulNBits (a Gemm's beta·C as its bias when C is a constant [N], else an Add). */
  matmulNBits(n: IrNode, q: NBitsWeight, isGemm: boolean): IrNode[] {
    const wName = n.inputs[1]!;
    const blocks = Math.ceil(q.K / q.blockSize);
    const codes = this.constant(`${wName}_q${q.bits}`, 'uint8', [q.N, blocks, (q.blockSize * q.bits) / 8], q.codes);
    const scales = this.constant(`${wName}_scales`, 'float32', [q.N * blocks], q.scales);
    const zp = q.zeroPoints ? this.constant(`${wName}_zero_points`, 'uint8', [q.zeroPoints.length], q.zeroPoints) : '';
    const attrs: IrNode['attributes'] = new Map([
      ['K', { type: 'int', value: q.K }],
      ['N', { type: 'int', value: q.N }],
      ['bits', { type: 'int', value: q.bits }],
      ['block_size', { type: 'int', value: q.blockSize }],
    ]);
    const y = n.outputs[0]!;
    const c = isGemm ? (n.inputs[2] ?? '') : '';
    if (c === '' || floatAttribute(n, 'beta', 1) === 0) {
      return [this.node('MatMulNBits', 'com.microsoft', zp ? [n.inputs[0]!, codes, scales, zp] : [n.inputs[0]!, codes, scales], [y], attrs)];
    }
    const beta = floatAttribute(n, 'beta', 1);
    const cValue = this.g.constants.get(c);
    const product = this.names.fresh(`${y}_product`);
    const matmul = this.node('MatMulNBits', 'com.microsoft', zp ? [n.inputs[0]!, codes, scales, zp] : [n.inputs[0]!, codes, scales], [product], attrs);
    let bias = c;
    if (beta !== 1) {
      if (!cValue || cValue.type !== 'float32') throw new TypeError(`${WHO}: node '${n.name}' has beta ${beta} with a non-constant C`);
      bias = this.constant(`${c}_times_beta`, 'float32', [...cValue.dims], Float32Array.from(cValue.data as Float32Array, (v) => Math.fround(v * beta)));
    }
    return [matmul, this.node('Add', '', [product, bias], [y])];
  }

  /** Conv weight → int8 per output channel (symmetric) behind DequantizeLinear(axis 0). */
  int8Conv(n: IrNode, w: Float32Array, dims: number[]): IrNode[] {
    const wName = n.inputs[1]!;
    const channels = dims[0]!;
    const scales = weightScales(w, channels, w.length / channels, true);
    const per = w.length / channels;
    const q = allocateTensorData(Int8Array, w.length);
    for (let i = 0; i < w.length; i++) q[i] = Math.max(-127, Math.min(127, roundHalfEven(w[i]! / scales[Math.floor(i / per)]!)));
    const qName = this.constant(`${wName}_quantized`, 'int8', [...dims], q);
    const sName = this.constant(`${wName}_scale`, 'float32', [channels], scales);
    const zName = this.constant(`${wName}_zero_point`, 'int8', [channels], new Int8Array(channels));
    const dq = this.names.fresh(`${wName}_dequantized`);
    const dqNode = this.node('DequantizeLinear', '', [qName, sName, zName], [dq], new Map([['axis', { type: 'int', value: 0 }]]));
    return [dqNode, { ...n, inputs: n.inputs.map((v, i) => (i === 1 ? dq : v)) }];
  }

  /** Input `index`'s float weight → float16 behind a Cast to float. */
  halfWeight(n: IrNode, index: number): IrNode[] {
    const wName = n.inputs[index]!;
    const w = this.g.constants.get(wName)!;
    const half = this.constant(`${wName}_float16`, 'float16', [...w.dims], float32ArrayToFloat16(w.data as Float32Array));
    const cast = this.names.fresh(`${wName}_float`);
    const castNode = this.node('Cast', '', [half], [cast], new Map([['to', { type: 'int', value: 1 }]]));
    return [castNode, { ...n, inputs: n.inputs.map((v, i) => (i === index ? cast : v)) }];
  }
}
