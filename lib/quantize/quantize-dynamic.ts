/**
 * quantizeDynamic: int8 weights, activations quantized at run time, per call — no calibration. Every
 * MatMul and Gemm with a constant 2-D float weight becomes, as onnxruntime's quantize_dynamic writes
 * it (and transformers.js q8 models use):
 *
 *   x → DynamicQuantizeLinear → (x_q, x_scale, x_zero_point)
 *   MatMulInteger(x_q, W_q, x_zero_point) → Cast(float) → Mul(x_scale · w_scale) [→ Add(bias)]
 *
 * W_q is int8 symmetric per output column (or per tensor); a Gemm's alpha goes into w_scale, beta·C
 * into the bias. One DynamicQuantizeLinear serves every weight reading the same x.
 */
import type { IrNode } from '../graph/ir.js';
import { floatAttribute, intAttribute, NameAllocator } from '../graph/passes/graph-queries.js';
import { allocateTensorData } from '../onnx/index.js';
import { floatGraph } from './float-graph.js';
import { weightScales } from './qparams.js';
import type { QuantizedModel, QuantizationReport } from './quantize-static.js';
import { rewrittenModel } from './rewritten-model.js';

export interface QuantizeDynamicOptions {
  /** Weights per output column (else per tensor). Default true. */
  perChannel?: boolean;
  /** Node names or operator types kept float. */
  exclude?: readonly string[];
}

export async function quantizeDynamic(model: string | Uint8Array, options: QuantizeDynamicOptions = {}): Promise<QuantizedModel> {
  if (typeof options !== 'object' || options === null) throw new TypeError('quantizeDynamic: options must be an object');
  if (options.exclude !== undefined && (!Array.isArray(options.exclude) || options.exclude.some((e) => typeof e !== 'string'))) {
    throw new TypeError('quantizeDynamic: exclude must be an array of node names or operator types');
  }
  const perChannel = options.perChannel ?? true;
  const exclude = new Set(options.exclude ?? []);
  const { graph: g, bytes } = await floatGraph(model, 'quantizeDynamic');

  const originalNames = g.nodes.map((n) => n.name);
  const names = new NameAllocator(g);
  const quantizedX = new Map<string, [string, string, string]>();  // x → its DynamicQuantizeLinear outputs
  const constant = (base: string, type: 'int8' | 'float32', dims: number[], data: Int8Array | Float32Array) => {
    const name = names.fresh(base);
    g.constants.set(name, { name, type, dims, data });
    g.types.set(name, { elemType: type, shape: dims });
    return name;
  };
  const node = (opType: string, inputs: string[], outputs: string[], attributes: IrNode['attributes'] = new Map()): IrNode => ({
    id: g.nextId++, name: names.fresh(`${outputs[0]}_${opType}`), opType, domain: '', opset: Math.max(g.opsets.get('') ?? 0, 11), inputs, outputs, attributes,
  });
  const out: IrNode[] = [];
  const quantizedNodes: string[] = [];
  const weights: QuantizationReport['weights'] = [];
  for (const n of g.nodes) {
    const w = g.constants.get(n.inputs[1] ?? '');
    const isGemm = n.opType === 'Gemm' && intAttribute(n, 'transA', 0) === 0;
    const eligible = (n.domain === '' || n.domain === 'ai.onnx') && (n.opType === 'MatMul' || isGemm) && !exclude.has(n.name) && !exclude.has(n.opType);
    if (!eligible || !w || w.type !== 'float32' || w.dims.length !== 2 || g.constants.has(n.inputs[0] ?? '')) {
      out.push(n);
      continue;
    }
    // W as [K, N] (a Gemm's transB undone), alpha folded in.
    const transB = isGemm && intAttribute(n, 'transB', 0) !== 0;
    const [K, N] = transB ? [w.dims[1]!, w.dims[0]!] : [w.dims[0]!, w.dims[1]!];
    const src = w.data as Float32Array;
    const kn = new Float32Array(K * N);
    for (let k = 0; k < K; k++) for (let c = 0; c < N; c++) kn[k * N + c] = transB ? src[c * K + k]! : src[k * N + c]!;
    const scales = weightScales(kn, N, 1, perChannel);
    const wq = allocateTensorData(Int8Array, K * N);
    for (let i = 0; i < kn.length; i++) wq[i] = Math.max(-127, Math.min(127, Math.round(kn[i]! / scales[perChannel ? i % N : 0]!)));
    const alpha = isGemm ? floatAttribute(n, 'alpha', 1) : 1;
    const wScale = Float32Array.from(scales, (s) => Math.fround(s * alpha));

    const x = n.inputs[0]!;
    let dq = quantizedX.get(x);
    if (!dq) {
      dq = [names.fresh(`${x}_quantized`), names.fresh(`${x}_scale`), names.fresh(`${x}_zero_point`)];
      out.push(node('DynamicQuantizeLinear', [x], dq));
      quantizedX.set(x, dq);
    }
    const y = n.outputs[0]!;
    const acc = names.fresh(`${y}_int32`), yf = names.fresh(`${y}_float`), scale = names.fresh(`${y}_scale`);
    const wName = constant(`${n.inputs[1]}_quantized`, 'int8', [K, N], wq);
    const wScaleName = constant(`${n.inputs[1]}_scale`, 'float32', perChannel ? [N] : [], wScale);
    const bias = isGemm ? (n.inputs[2] ?? '') : '';
    const scaled = bias === '' ? y : names.fresh(`${y}_unbiased`);
    out.push(
      node('MatMulInteger', [dq[0], wName, dq[2]], [acc]),
      node('Cast', [acc], [yf], new Map([['to', { type: 'int', value: 1 }]])),
      node('Mul', [dq[1], wScaleName], [scale]),
      node('Mul', [yf, scale], [scaled]),
    );
    if (bias !== '') {
      const beta = floatAttribute(n, 'beta', 1);
      let b = bias;
      if (beta !== 1) {
        const c = g.constants.get(bias);
        if (!c || c.type !== 'float32') throw new TypeError(`quantizeDynamic: node '${n.name}' has beta ${beta} with a non-constant C`);
        b = constant(`${bias}_times_beta`, 'float32', [...c.dims], Float32Array.from(c.data as Float32Array, (v) => Math.fround(v * beta)));
      }
      out.push(node('Add', [scaled, b], [y]));
    }
    quantizedNodes.push(n.name);
    weights.push({ name: n.inputs[1]!, perChannel, channels: scales.length });
  }
  g.nodes = out;
  return rewrittenModel(g, { method: 'dynamic', minOpset: 11, originalNames, quantizedNodes, weights, bytesBefore: bytes.length });
}

