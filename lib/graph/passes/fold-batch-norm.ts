/**
 * foldBatchNorm: an inference BatchNormalization right after a Conv or Gemm with constant weights is a
 * per-output-channel affine map, so it folds into the weights and bias:
 *   a = scale / sqrt(var + eps);  W'[m, ...] = W[m, ...] * a[m];  B'[m] = (B[m] - mean[m]) * a[m] + beta[m]
 * computed in float64 and rounded once to float32. W' overwrites W when the producer is W's only user
 * (no second copy of the weights), else it is a new constant; the producer then writes the
 * BatchNormalization's output and the BatchNormalization goes.
 */
import type { InitializerTensor } from '../../onnx/model.js';
import { allocateTensorData } from '../../onnx/tensor-proto.js';
import type { IrGraph, IrNode } from '../ir.js';
import {
  consumerIndex,
  floatAttribute,
  graphOutputNames,
  intAttribute,
  isOnnxDomain,
  NameAllocator,
  producerIndex,
  removeNodes,
  type ValueUse,
} from './graph-queries.js';

interface BatchNormParams {
  /** Multiplier per channel: scale / sqrt(var + eps). */
  a: Float64Array;
  mean: Float64Array;
  /** The BN's own bias input B (called beta here to keep it apart from the producer's bias). */
  beta: Float64Array;
}

function float32Constant(g: IrGraph, name: string): InitializerTensor | null {
  if (name === '') return null;
  const t = g.constants.get(name);
  return t && t.type === 'float32' && t.data instanceof Float32Array ? t : null;
}

/** The BatchNormalization's parameters when it is an inference BN with constant float32 [C] inputs. */
function batchNormParams(g: IrGraph, bn: IrNode, channels: number, uses: Map<string, ValueUse[]>, outputs: Set<string>): BatchNormParams | null {
  if (bn.inputs.length < 5) return null;
  if (intAttribute(bn, 'training_mode', 0) !== 0) return null;
  // Opsets before 9: spatial=0 means per-activation statistics ([C, H, W]), not a per-channel affine map.
  if (intAttribute(bn, 'spatial', 1) !== 1) return null;
  // The optional training outputs (running mean/var, saved statistics) must be unused.
  for (const extra of bn.outputs.slice(1)) if (extra !== '' && (uses.has(extra) || outputs.has(extra))) return null;
  const [scale, beta, mean, variance] = bn.inputs.slice(1, 5).map((name) => float32Constant(g, name));
  if (!scale || !beta || !mean || !variance) return null;
  if (![scale, beta, mean, variance].every((t) => t.data.length === channels)) return null;
  const eps = floatAttribute(bn, 'epsilon', 1e-5);
  const a = new Float64Array(channels);
  for (let c = 0; c < channels; ++c) {
    a[c] = Number(scale.data[c]) / Math.sqrt(Number(variance.data[c]) + Math.fround(eps));
  }
  return { a, mean: Float64Array.from(mean.data as Float32Array), beta: Float64Array.from(beta.data as Float32Array) };
}

/** W' for a Conv: rows of W (one per output channel) scaled by a[m]. */
function scaleConvWeights(w: InitializerTensor, a: Float64Array, out: Float32Array): Float32Array {
  const src = w.data as Float32Array;
  const perChannel = src.length / a.length;
  for (let m = 0; m < a.length; ++m) {
    for (let k = 0; k < perChannel; ++k) out[m * perChannel + k] = src[m * perChannel + k]! * a[m]!;
  }
  return out;
}

/** W' for a Gemm: output column n of op(B) scaled by a[n]; B is [K, N], or [N, K] when transB. */
function scaleGemmWeights(w: InitializerTensor, a: Float64Array, transB: boolean, out: Float32Array): Float32Array {
  const src = w.data as Float32Array;
  const [rows, cols] = w.dims as [number, number];
  for (let r = 0; r < rows; ++r) {
    for (let c = 0; c < cols; ++c) out[r * cols + c] = src[r * cols + c]! * a[transB ? r : c]!;
  }
  return out;
}

/** B' = (bias - mean) * a + beta per channel, bias given per channel (zeros when absent). */
function foldedBias(bias: Float64Array, p: BatchNormParams): Float32Array {
  const out = allocateTensorData(Float32Array, p.a.length);
  for (let c = 0; c < out.length; ++c) out[c] = (bias[c]! - p.mean[c]!) * p.a[c]! + p.beta[c]!;
  return out;
}

/** A Gemm's C as one value per output column (null when C varies along M or has another shape). */
function gemmBiasPerColumn(g: IrGraph, gemm: IrNode, n: number): Float64Array | null {
  const name = gemm.inputs[2] ?? '';
  const beta = floatAttribute(gemm, 'beta', 1);
  if (name === '') return new Float64Array(n);
  const c = float32Constant(g, name);
  if (!c) return null;
  const dims = c.dims;
  const rowVector = dims.length <= 1 || (dims.length === 2 && dims[0] === 1);
  if (!rowVector || (c.data.length !== 1 && c.data.length !== n)) return null;
  const out = new Float64Array(n);
  for (let j = 0; j < n; ++j) out[j] = beta * Number(c.data[c.data.length === 1 ? 0 : j]);
  return out;
}

export function foldBatchNorm(g: IrGraph): void {
  const producers = producerIndex(g);
  const uses = consumerIndex(g);
  const outputs = graphOutputNames(g);
  const names = new NameAllocator(g);
  const dead = new Set<IrNode>();
  for (const bn of g.nodes) {
    if (!isOnnxDomain(bn) || bn.opType !== 'BatchNormalization') continue;
    const x = bn.inputs[0] ?? '';
    const y = bn.outputs[0] ?? '';
    const producer = producers.get(x);
    if (!producer || y === '' || dead.has(producer) || !isOnnxDomain(producer)) continue;
    if (producer.opType !== 'Conv' && producer.opType !== 'Gemm') continue;
    if (producer.outputs[0] !== x || outputs.has(x) || uses.get(x)?.length !== 1) continue;
    // An activation already fused into the producer would sit between it and the BN.
    if (producer.attributes.has('activation')) continue;
    const w = float32Constant(g, producer.inputs[1] ?? '');
    if (!w) continue;
    // Each element is read once before it is written, so W' may overwrite W.
    const soleUser = uses.get(producer.inputs[1]!)?.length === 1 && !outputs.has(producer.inputs[1]!);
    const weightsOut = (): Float32Array => (soleUser ? (w.data as Float32Array) : allocateTensorData(Float32Array, w.data.length));

    let newWeights: Float32Array;
    let newBias: Float32Array;
    if (producer.opType === 'Conv') {
      const channels = w.dims[0] ?? 0;
      if (w.dims.length < 3 || channels === 0) continue;
      const p = batchNormParams(g, bn, channels, uses, outputs);
      if (!p) continue;
      const biasName = producer.inputs[2] ?? '';
      const bias = biasName === '' ? null : float32Constant(g, biasName);
      if (biasName !== '' && (!bias || bias.data.length !== channels)) continue;
      newWeights = scaleConvWeights(w, p.a, weightsOut());
      newBias = foldedBias(bias ? Float64Array.from(bias.data as Float32Array) : new Float64Array(channels), p);
    } else {
      if (w.dims.length !== 2) continue;
      const transB = intAttribute(producer, 'transB', 0) !== 0;
      const n = transB ? w.dims[0]! : w.dims[1]!;
      const p = batchNormParams(g, bn, n, uses, outputs);
      if (!p) continue;
      const bias = gemmBiasPerColumn(g, producer, n);
      if (!bias) continue;
      newWeights = scaleGemmWeights(w, p.a, transB, weightsOut());
      newBias = foldedBias(bias, p);
      // C' already carries beta.
      producer.attributes.set('beta', { type: 'float', value: 1 });
    }

    const wName = names.fresh(`${producer.name}_W_bn`);
    const bName = names.fresh(`${producer.name}_B_bn`);
    g.constants.set(wName, { name: wName, type: 'float32', dims: [...w.dims], data: newWeights });
    g.constants.set(bName, { name: bName, type: 'float32', dims: [newBias.length], data: newBias });
    g.types.set(wName, { elemType: 'float32', shape: [...w.dims] });
    g.types.set(bName, { elemType: 'float32', shape: [newBias.length] });
    producer.inputs = [producer.inputs[0]!, wName, bName];
    producer.outputs = [y, ...producer.outputs.slice(1)];
    g.types.delete(x);
    for (const extra of bn.outputs.slice(1)) if (extra !== '') g.types.delete(extra);
    producers.delete(x);
    producers.set(y, producer);
    dead.add(bn);
  }
  removeNodes(g, dead);
}
