/**
 * quantizeStatic: post-training static quantization in TypeScript. The float model runs once per
 * calibration sample with every tensor that will be quantized added to its outputs; observers keep
 * each tensor's range (min/max, or a histogram for percentiles) in bounded memory however many
 * samples stream past; then weights are quantized int8 symmetric (per output channel by default),
 * biases int32 at x_scale·w_scale, activations with the observed ranges, and the result is written
 * as a QDQ ONNX model that octet and onnxruntime-node both load.
 */
import { writeFile } from 'node:fs/promises';
import type { onnx as P } from 'onnx-proto';
import { onnxProto as onnx, readTensor } from '../onnx/index.js';
import { writeModel } from '../onnx/write-model.js';
import { InferenceSession, type InferenceSessionFeeds, type SessionOptions } from '../session/session.js';
import { Tensor } from '../tensor.js';
import { entropyThreshold, mseThreshold } from './clip-search.js';
import { floatGraph } from './float-graph.js';
import { AbsHistogramObserver, HistogramObserver, MinMaxObserver, MovingAverageObserver, type Range } from './observers.js';
import { planQuantization } from './quantization-plan.js';
import { writeQdqModel, type QuantizedBias, type QuantizedWeight } from './qdq-writer.js';
import { histogramOf, medianLatency, reportHtml, tensorSqnr, type LayerReport, type WeightHistogram } from './report.js';
import { qparamsFromRange, weightScales, type QParams, type QuantizedElement } from './qparams.js';

/** Values per histogram bin below which entropy and mse keep a tensor's observed range. */
const MIN_SAMPLES_PER_BIN = 16;

export type CalibrationMethod = 'minmax' | 'percentile' | 'entropy' | 'mse';

export interface QuantizeStaticOptions {
  /** Feeds for the float model, one per calibration batch: an array or a (async) iterable, streamed. */
  calibrationData: Iterable<InferenceSessionFeeds> | AsyncIterable<InferenceSessionFeeds>;
  /**
   * How an activation's range is chosen: 'minmax' the observed extremes; 'percentile' the central
   * `percentile` % of values; 'entropy' the clipping threshold minimising the KL divergence between
   * the float and quantized distributions (TensorRT's calibrator); 'mse' the threshold minimising the
   * expected squared quantization error. Default 'minmax'.
   */
  method?: CalibrationMethod;
  /** For 'minmax': average each batch's min / max with this constant (0 < c ≤ 1) instead of keeping the extremes. */
  movingAverage?: number;
  /** For 'percentile': the central share of values kept, in percent. Default 99.999. */
  percentile?: number;
  /** Weights per output channel (else per tensor). Default true. */
  perChannel?: boolean;
  /** Activations as 'uint8' (asymmetric) or 'int8'. Default 'uint8'. */
  activationType?: QuantizedElement;
  /** Activations symmetric around zero. Default false. */
  symmetricActivations?: boolean;
  /** Node names or operator types kept float. */
  exclude?: readonly string[];
  /** Called after each calibration batch with the number done. */
  onProgress?: (batches: number) => void;
  /** Bits of weights, 2 to 8 (below 8: k-bit, simulated with the 8-bit kernels). Default 8. */
  weightBits?: number;
  /** Bits of activations, 2 to 8 (below 8: 2^bits levels of the 8-bit type). Default 8. */
  activationBits?: number;
  /** Per tensor: a range to use instead of the calibrated one, or a different activation type. */
  overrides?: Record<string, { min?: number; max?: number; type?: QuantizedElement }>;
  /**
   * Measure what quantization cost (SQNR per tensor, histograms, latency of both models) on the first
   * two calibration batches, for `report.layers` and `reportHtml()`. Default true.
   */
  evaluate?: boolean;
}

export interface TensorReport {
  name: string;
  /** Observed extremes, and the range quantized (clipped by the method). */
  min: number;
  max: number;
  rangeMin: number;
  rangeMax: number;
  scale: number;
  zeroPoint: number;
}

export interface QuantizationReport {
  /** How activation ranges were chosen; 'dynamic': at run time, per call (quantizeDynamic); 'weight-only': not quantized (quantizeWeights). */
  method: CalibrationMethod | 'dynamic' | 'weight-only';
  calibrationBatches: number;
  activations: TensorReport[];
  weights: { name: string; perChannel: boolean; channels: number }[];
  /** Nodes whose inputs are read quantized, and nodes left float. */
  quantizedNodes: string[];
  floatNodes: string[];
  bytesBefore: number;
  bytesAfter: number;
  /** With `evaluate`: per quantized activation, its SQNR, histogram and range. */
  layers: LayerReport[];
  /** With `evaluate`: weight histograms and ranges. */
  weightHistograms: WeightHistogram[];
  /** With `evaluate`: median latency of one run on the first calibration batch. */
  latencyFloatMs?: number;
  latencyQuantizedMs?: number;
}

export class QuantizedModel {
  constructor(
    private readonly bytes: Uint8Array,
    readonly report: QuantizationReport,
  ) {}

  /** The QDQ model as ONNX bytes. */
  toBytes(): Uint8Array {
    return this.bytes;
  }

  async save(path: string): Promise<void> {
    await writeFile(path, this.bytes);
  }

  createSession(options?: SessionOptions): Promise<InferenceSession> {
    return InferenceSession.create(this.bytes, options);
  }

  /** The report as one self-contained HTML page (SVG plots, no external files). */
  reportHtml(title = 'octet quantization report'): string {
    const r = this.report;
    return reportHtml({ title, method: r.method, layers: r.layers, weights: r.weightHistograms, floatNodes: r.floatNodes, bytesBefore: r.bytesBefore, bytesAfter: r.bytesAfter, latencyFloatMs: r.latencyFloatMs, latencyQuantizedMs: r.latencyQuantizedMs });
  }
}

function checkOptions(o: QuantizeStaticOptions): Required<Omit<QuantizeStaticOptions, 'onProgress' | 'calibrationData' | 'evaluate' | 'movingAverage'>> & { movingAverage?: number } {
  if (o?.movingAverage !== undefined && !(o.movingAverage > 0 && o.movingAverage <= 1)) {
    throw new RangeError(`quantizeStatic: movingAverage must be in (0, 1], got ${o.movingAverage}`);
  }
  const bits = (name: string, v: unknown) => {
    if (v === undefined) return 8;
    if (!Number.isInteger(v) || (v as number) < 2 || (v as number) > 8) throw new RangeError(`quantizeStatic: ${name} must be an integer from 2 to 8, got ${String(v)}`);
    return v as number;
  };
  const overrides = o?.overrides ?? {};
  for (const [name, ov] of Object.entries(overrides)) {
    const bad = (what: string) => new RangeError(`quantizeStatic: overrides['${name}'] ${what}`);
    if (typeof ov !== 'object' || ov === null) throw bad('must be an object');
    for (const k of ['min', 'max'] as const) if (ov[k] !== undefined && !Number.isFinite(ov[k])) throw bad(`.${k} must be a finite number`);
    if (ov.min !== undefined && ov.max !== undefined && ov.min > ov.max) throw bad(`has min ${ov.min} above max ${ov.max}`);
    if (ov.type !== undefined && ov.type !== 'uint8' && ov.type !== 'int8') throw bad(`.type must be 'uint8' or 'int8'`);
  }
  if (typeof o !== 'object' || o === null) throw new TypeError('quantizeStatic: options must be an object with calibrationData');
  const method = o.method ?? 'minmax';
  if (!['minmax', 'percentile', 'entropy', 'mse'].includes(method)) {
    throw new RangeError(`quantizeStatic: method must be 'minmax', 'percentile', 'entropy' or 'mse', got ${String(method)}`);
  }
  const percentile = o.percentile ?? 99.999;
  if (!(percentile > 50 && percentile <= 100)) throw new RangeError(`quantizeStatic: percentile must be in (50, 100], got ${percentile}`);
  const activationType = o.activationType ?? 'uint8';
  if (activationType !== 'uint8' && activationType !== 'int8') throw new RangeError(`quantizeStatic: activationType must be 'uint8' or 'int8', got ${String(activationType)}`);
  if (o.exclude !== undefined && (!Array.isArray(o.exclude) || o.exclude.some((e) => typeof e !== 'string'))) throw new TypeError('quantizeStatic: exclude must be an array of node names or operator types');
  return {
    method, percentile, perChannel: o.perChannel ?? true, activationType, symmetricActivations: o.symmetricActivations ?? false, exclude: o.exclude ?? [],
    weightBits: bits('weightBits', o.weightBits), activationBits: bits('activationBits', o.activationBits), overrides,
    movingAverage: o.movingAverage,
  };
}

async function* batches(data: QuantizeStaticOptions['calibrationData']): AsyncGenerator<InferenceSessionFeeds> {
  if (data === null || typeof data !== 'object' || (!(Symbol.iterator in data) && !(Symbol.asyncIterator in data))) {
    throw new TypeError('quantizeStatic: calibrationData must be an array or an (async) iterable of feeds');
  }
  yield* data as AsyncIterable<InferenceSessionFeeds>;
}

/** The float data of a constant (initializer or Constant node), or undefined. */
function constantFloats(graph: P.IGraphProto, name: string): { data: Float32Array; dims: number[] } | undefined {
  const t = (graph.initializer ?? []).find((x) => x.name === name);
  if (!t) return undefined;
  const decoded = readTensor(onnx.TensorProto.encode(t).finish());
  if (decoded.type !== 'float32') return undefined;
  return { data: decoded.data as Float32Array, dims: decoded.dims };
}

export async function quantizeStatic(model: string | Uint8Array, options: QuantizeStaticOptions): Promise<QuantizedModel> {
  const opts = checkOptions(options);
  // The optimised float graph, written at an opset with QuantizeLinear (and per-axis scales: 13).
  const { graph: ir, bytes } = await floatGraph(model, 'quantizeStatic');
  const opset = Math.max(ir.opsets.get('') ?? 0, opts.perChannel ? 13 : 10);
  const proto = onnx.ModelProto.decode(writeModel(ir, { opset }));
  const graph = proto.graph!;

  const plan = planQuantization(graph, opset, { perChannel: opts.perChannel, exclude: new Set(opts.exclude) });

  // Calibration: the float model with every planned activation as an output.
  const inputNames = new Set((graph.input ?? []).map((i) => i.name ?? ''));
  const outputNames = new Set((graph.output ?? []).map((o) => o.name ?? ''));
  const extra = plan.activations.filter((a) => !inputNames.has(a) && !outputNames.has(a));
  const augmented: P.IModelProto = {
    ...proto,
    graph: { ...graph, output: [...(graph.output ?? []), ...extra.map((name) => ({ name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } } }))] },
  };
  const session = await InferenceSession.create(onnx.ModelProto.encode(onnx.ModelProto.create(augmented as never)).finish());
  const newObserver = () =>
    opts.method === 'percentile'
      ? new HistogramObserver()
      : opts.method === 'minmax'
        ? opts.movingAverage !== undefined ? new MovingAverageObserver(opts.movingAverage) : new MinMaxObserver()
        : new AbsHistogramObserver();
  const observers = new Map<string, MinMaxObserver | MovingAverageObserver | HistogramObserver | AbsHistogramObserver>(plan.activations.map((a) => [a, newObserver()]));
  let count = 0;
  const kept: InferenceSessionFeeds[] = [];  // the first batches, for the evaluation
  try {
    for await (const feeds of batches(options.calibrationData)) {
      if (kept.length < 2) kept.push(feeds);
      const results = await session.run(feeds);
      for (const [name, observer] of observers) {
        const t = inputNames.has(name) ? feeds[name] : results[name];
        if (!(t instanceof Tensor) || t.type !== 'float32') {
          // Not a float tensor (a shape computation's integers): it stays as it is.
          observers.delete(name);
          continue;
        }
        try {
          observer.update(t.data as Float32Array);
        } catch (e) {
          throw new RangeError(`quantizeStatic: tensor '${name}' in calibration batch ${count}: ${(e as Error).message}`);
        }
      }
      count++;
      options.onProgress?.(count);
    }
  } finally {
    await session.release();
  }
  if (count === 0) throw new RangeError('quantizeStatic: calibrationData is empty');

  // Probabilities (Softmax, Sigmoid, HardSigmoid outputs) keep their observed range whatever the
  // method: their rare large values are the answer (a CTC head's softmax is ~0 almost everywhere),
  // and clipping them, as a percentile or a KL threshold does, erases it.
  // Reshaped or transposed, they are still probabilities.
  const probabilities = new Set<string>();
  const moves = ['Reshape', 'Transpose', 'Flatten', 'Squeeze', 'Unsqueeze', 'Identity'];
  for (const n of graph.node ?? []) {
    const op = n.opType ?? '';
    if (['Softmax', 'Sigmoid', 'HardSigmoid'].includes(op) || (moves.includes(op) && probabilities.has(n.input?.[0] ?? ''))) {
      for (const o of n.output ?? []) probabilities.add(o);
    }
  }

  const activations = new Map<string, QParams>();
  const tensorReports: TensorReport[] = [];
  for (const [name, observer] of observers) {
    const exact: Range = observer instanceof MinMaxObserver ? observer.range() : observer.minMax.range();
    let range = observer instanceof MovingAverageObserver ? observer.range() : exact;
    if (probabilities.has(name)) range = exact;
    else if (observer instanceof HistogramObserver) range = observer.percentileRange(opts.percentile);
    else if (observer instanceof AbsHistogramObserver) {
      const { counts, width } = observer.histogram();
      // The search works on |x|: right for one-sided tensors (a ReLU's output) and, for mse, symmetric
      // ones. A lopsided two-sided tensor (an image normalised to [-0.8, 2]) folds into a misleading
      // |x|, so it keeps its observed range; so does every two-sided tensor under entropy, whose KL
      // measure ignores how far clipped values move: on PaddleOCR's rec model (heavy-tailed
      // batch-norm outputs) it clipped [-24, 25] to ±3.2 and the model read 0.4% of characters.
      // Levels over [0, T]: all 255 steps of uint8 for a one-sided tensor, half of them when the grid
      // also covers negative values.
      // One-sided means starting near 0 (a ReLU's output): a tensor living in [0.73, 2.7] (a layer
      // norm's variance) has an |x| histogram empty below 0.73, and a threshold found there would
      // collapse its range to a point.
      const oneSided = exact.min >= 0 && exact.min <= 0.1 * exact.max && opts.activationType === 'uint8' && !opts.symmetricActivations;
      const symmetricEnough = Math.min(-exact.min, exact.max) >= 0.5 * Math.max(-exact.min, exact.max);
      // Too few values to estimate a distribution (an SE block's squeezed vector: a few thousand over
      // the whole calibration set) also keeps the observed range: on a sparse histogram the KL
      // measure is mostly sampling noise, and on PaddleOCR's rec model entropy clipped the SE blocks'
      // hidden ReLUs to a quarter of their range and the model read 4% of characters.
      let samples = 0;
      for (const c of counts) samples += c;
      const enough = samples >= MIN_SAMPLES_PER_BIN * counts.length;
      if (enough && (oneSided || (exact.min < 0 && symmetricEnough && opts.method === 'mse'))) {
        const levels = oneSided ? 255 : 128;
        const t = opts.method === 'entropy' ? entropyThreshold(counts, width, levels) : mseThreshold(counts, width, levels);
        if (t > Math.max(exact.min, 0)) range = { min: Math.max(exact.min, -t), max: Math.min(exact.max, t) };
      }
    }
    const ov = opts.overrides[name];
    if (ov) range = { min: ov.min ?? range.min, max: ov.max ?? range.max };
    const q = qparamsFromRange(range, ov?.type ?? opts.activationType, opts.symmetricActivations, opts.activationBits);
    activations.set(name, q);
    tensorReports.push({ name, min: exact.min, max: exact.max, rangeMin: range.min, rangeMax: range.max, scale: q.scale, zeroPoint: q.zeroPoint });
  }

  const weights: QuantizedWeight[] = [];
  const weightScale = new Map<string, Float32Array>();
  for (const w of plan.weights) {
    const c = constantFloats(graph, w.name);
    if (!c) continue;
    const axis = w.axis >= 0 && w.axis < c.dims.length ? w.axis : -1;
    const channels = axis >= 0 ? c.dims[axis]! : 1;
    const stride = axis >= 0 ? c.dims.slice(axis + 1).reduce((a, b) => a * b, 1) : c.data.length;
    const scales = weightScales(c.data, channels, stride, axis >= 0, opts.weightBits);
    const wmax = (1 << (opts.weightBits - 1)) - 1;
    const q = new Int8Array(c.data.length);
    const outer = axis >= 0 ? c.data.length / (channels * stride) : 1;
    for (let o = 0; o < outer; o++)
      for (let ch = 0; ch < channels; ch++)
        for (let i = 0; i < stride; i++) {
          const k = (o * channels + ch) * stride + i;
          q[k] = Math.max(-wmax, Math.min(wmax, Math.round(c.data[k]! / scales[axis >= 0 ? ch : 0]!)));
        }
    weights.push({ name: w.name, data: q, dims: c.dims, scales, axis });
    weightScale.set(w.name, scales);
  }
  const biases: QuantizedBias[] = [];
  for (const b of plan.biases) {
    const c = constantFloats(graph, b.name);
    const ws = weightScale.get(b.weight);
    const xs = activations.get(b.activation);
    if (!c || !ws || !xs) continue;
    const scales = Float32Array.from({ length: c.data.length }, (_, i) => Math.fround(xs.scale * ws[ws.length === 1 ? 0 : i]!));
    const data = Int32Array.from(c.data, (v, i) => Math.max(-2147483648, Math.min(2147483647, Math.round(v / scales[i]!))));
    biases.push({ name: b.name, data, scales });
  }

  const { bytes: out, dequantized } = writeQdqModel(proto, { ...plan, activations: [...activations.keys()] }, activations, weights, biases);
  const nodes = graph.node ?? [];
  const report: QuantizationReport = {
    method: opts.method,
    calibrationBatches: count,
    activations: tensorReports,
    weights: weights.map((w) => ({ name: w.name, perChannel: w.axis >= 0, channels: w.scales.length })),
    quantizedNodes: nodes.filter((_, k) => plan.quantizedNodes.has(k)).map((n) => n.name ?? ''),
    floatNodes: nodes.filter((_, k) => !plan.quantizedNodes.has(k)).map((n) => n.name ?? ''),
    bytesBefore: bytes.length,
    bytesAfter: out.length,
    layers: [],
    weightHistograms: [],
  };
  if (options.evaluate ?? true) await evaluate(report, proto, augmented, out, dequantized, kept, inputNames, tensorReports, weights);
  return new QuantizedModel(out, report);
}

/** Fills the report's layers, weight histograms and latencies (see QuantizeStaticOptions.evaluate). */
async function evaluate(
  report: QuantizationReport,
  floatModel: P.IModelProto,
  augmented: P.IModelProto,
  quantizedBytes: Uint8Array,
  dequantized: Map<string, string>,
  kept: InferenceSessionFeeds[],
  inputNames: Set<string>,
  tensors: TensorReport[],
  weights: QuantizedWeight[],
): Promise<void> {
  const encode = (m: P.IModelProto) => onnx.ModelProto.encode(onnx.ModelProto.create(m as never)).finish();
  const activationDq = new Map(tensors.map((t) => [t.name, dequantized.get(t.name)!]).filter(([, dq]) => dq !== undefined) as [string, string][]);
  // The quantized model with each activation's dequantized value as an extra output.
  const q = onnx.ModelProto.decode(quantizedBytes);
  q.graph!.output = [...(q.graph!.output ?? []), ...[...activationDq.values()].map((name) => onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } } }))];
  const floatSession = await InferenceSession.create(encode(augmented));
  const quantizedSession = await InferenceSession.create(encode(q));
  try {
    const sqnr = await tensorSqnr(floatSession, quantizedSession, activationDq, kept, (n) => inputNames.has(n));
    for (const t of tensors) {
      const values: number[] = [];
      for (const feeds of kept) {
        const v = inputNames.has(t.name) ? feeds[t.name] : (await floatSession.run(feeds))[t.name];
        if (v && v.type === 'float32') for (const x of v.data as Float32Array) values.push(x);
      }
      report.layers.push({ tensor: t.name, sqnrDb: sqnr.get(t.name) ?? Infinity, histogram: histogramOf(values, Math.min(t.min, t.rangeMin), Math.max(t.max, t.rangeMax)), rangeMin: t.rangeMin, rangeMax: t.rangeMax });
    }
  } finally {
    await floatSession.release();
    await quantizedSession.release();
  }
  for (const w of weights) {
    const stride = w.axis >= 0 ? w.dims.slice(w.axis + 1).reduce((a, b) => a * b, 1) : w.data.length;
    const values = Array.from(w.data, (v, i) => v * w.scales[w.axis >= 0 ? Math.floor(i / stride) % w.scales.length : 0]!);
    let range = 0;
    for (let i = 0; i < values.length; i++) range = Math.max(range, Math.abs(values[i]!));
    report.weightHistograms.push({ name: w.name, histogram: histogramOf(values, -range, range), range });
  }
  const first = kept[0];
  if (first) {
    const f = await InferenceSession.create(encode(floatModel));
    const qs = await InferenceSession.create(quantizedBytes);
    try {
      report.latencyFloatMs = await medianLatency(f, first, 10);
      report.latencyQuantizedMs = await medianLatency(qs, first, 10);
    } finally {
      await f.release();
      await qs.release();
    }
  }
}
