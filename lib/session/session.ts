/**
 * InferenceSession: the onnxruntime-node API over Octet's runtime. create() reads and checks the
 * model, optimises its graph and hands the initializers to native once; run() checks the feeds, finds
 * (or makes) the plan for their shapes and runs the whole graph in one native job on a worker thread,
 * so the event loop keeps serving while a model runs. runSync() does the same on the calling thread.
 */
import { dirname, resolve } from 'node:path';
import { binding, type NativeInitializer, type NativeSession } from '../binding.js';
import { describeValue } from '../errors.js';
import { checkQuantization, checkSupported, cloneGraph, foldConstants, graphFromModel, inferTypes, parameterInputNames } from '../graph/index.js';
import type { IrGraph } from '../graph/ir.js';
import { applyChannelsLast, lowerQOperators, optimizeGraph } from '../graph/passes/index.js';
import { readModel } from '../onnx/read-model.js';
import type { InitializerTensor } from '../onnx/model.js';
import { buildNativePlan } from '../schedule/index.js';
import { Tensor, type TensorType } from '../tensor.js';
import { allocateForResult, dtypeCode, isNumericData, tensorTypeOf, tensorTypeOfCode } from './element-types.js';
import { checkFeeds, checkFetches, type ModelInput } from './feeds.js';
import { describeGraph, type KernelKind, type NodeDescription } from './describe.js';
import { PlanCache, type PreparedPlan } from './plan-cache.js';
import { sameShape } from '../graph/broadcast.js';
import { readModelFile } from './model-file.js';
import { holdDuringRun } from '../result-memory.js';
import { markReleased, packOnlyConstants } from './released-weights.js';
import { availableParallelism } from 'node:os';

export interface SessionOptions {
  /** Threads one run may use for its operators. Default: the machine's cores. */
  intraOpNumThreads?: number;
  /**
   * Graph optimisations: 'disabled' runs the graph as written; anything else (onnxruntime's names are
   * accepted) folds BatchNorm and activations into convolutions, removes Identity/Dropout and dead
   * nodes, and lays convolution chains out channels-last. Default: 'all'.
   */
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'layout' | 'all';
  /** Accepted for onnxruntime compatibility; Octet runs on the CPU ('cpu'). Default: ['cpu']. */
  executionProviders?: readonly unknown[];
  /** Distinct input-shape signatures whose plans are kept. Default: 8. */
  planCacheSize?: number;
  /** Time every operator of every run (see InferenceSession.profile()). Default: false. */
  enableProfiling?: boolean;
}

/** Where a session's run time goes, summed over the runs since profiling started. */
export interface SessionProfile {
  runs: number;
  /** Every node of every plan, in execution order, with what it ran as. */
  nodes: { name: string; opType: string; kernel: KernelKind; milliseconds: number }[];
  /** Totals per operator type, largest first. */
  byOpType: { opType: string; milliseconds: number; nodes: number }[];
  /** Totals per kind of kernel (int8, quantize, dequantize, fallback, float), largest first. */
  byKernel: { kernel: KernelKind; milliseconds: number; nodes: number }[];
}

export type InferenceSessionFeeds = Record<string, Tensor>;
export type InferenceSessionResult = Record<string, Tensor>;
export type InferenceSessionFetches = readonly string[] | Record<string, unknown>;

export interface ValueMetadata {
  name: string;
  isTensor: true;
  type: TensorType;
  /** Declared dims: numbers, symbolic names, or -1 when unknown. */
  shape: (number | string)[];
}

const OPTIMIZATION_LEVELS = ['disabled', 'basic', 'extended', 'layout', 'all'];

function checkOptions(options: unknown): Required<Pick<SessionOptions, 'intraOpNumThreads' | 'planCacheSize'>> & { optimize: boolean } {
  if (options === undefined) return { intraOpNumThreads: availableParallelism(), planCacheSize: 8, optimize: true };
  if (typeof options !== 'object' || options === null) throw new TypeError(`InferenceSession.create: options must be an object, got ${describeValue(options)}`);
  const o = options as SessionOptions;
  let threads = availableParallelism();
  if (o.intraOpNumThreads !== undefined && o.intraOpNumThreads !== 0) {
    if (!Number.isInteger(o.intraOpNumThreads) || o.intraOpNumThreads < 0 || o.intraOpNumThreads > 1024) {
      throw new RangeError(`InferenceSession.create: intraOpNumThreads must be an integer in [0, 1024] (0 = default), got ${describeValue(o.intraOpNumThreads)}`);
    }
    threads = o.intraOpNumThreads;
  }
  let planCacheSize = 8;
  if (o.planCacheSize !== undefined) {
    if (!Number.isInteger(o.planCacheSize) || o.planCacheSize < 1) throw new RangeError(`InferenceSession.create: planCacheSize must be a positive integer, got ${describeValue(o.planCacheSize)}`);
    planCacheSize = o.planCacheSize;
  }
  if (o.graphOptimizationLevel !== undefined && !OPTIMIZATION_LEVELS.includes(o.graphOptimizationLevel)) {
    throw new RangeError(`InferenceSession.create: graphOptimizationLevel must be one of ${OPTIMIZATION_LEVELS.join(', ')}, got ${describeValue(o.graphOptimizationLevel)}`);
  }
  if (o.executionProviders !== undefined) {
    if (!Array.isArray(o.executionProviders)) throw new TypeError('InferenceSession.create: executionProviders must be an array');
    for (const ep of o.executionProviders) {
      const name = typeof ep === 'string' ? ep : (ep as { name?: unknown } | null)?.name;
      if (name !== 'cpu') throw new TypeError(`InferenceSession.create: execution provider ${describeValue(name)} is not available; Octet runs on 'cpu'`);
    }
  }
  return { intraOpNumThreads: threads, planCacheSize, optimize: o.graphOptimizationLevel !== 'disabled' };
}

async function loadBytes(source: unknown): Promise<{ bytes: Uint8Array; baseDir?: string; label: string; ours?: ArrayBuffer }> {
  if (typeof source === 'string') {
    const path = resolve(source);
    // Read into native model memory (released page by page as weights are packed: released-weights.ts)
    // and decoded in place: a copy would double the peak.
    const bytes = await readModelFile(path);
    return { bytes, baseDir: dirname(path), label: source, ours: bytes.buffer as ArrayBuffer };
  }
  if (source instanceof Uint8Array) return { bytes: source, label: 'model bytes' };
  if (source instanceof ArrayBuffer) return { bytes: new Uint8Array(source), label: 'model bytes' };
  if (ArrayBuffer.isView(source)) return { bytes: new Uint8Array(source.buffer, source.byteOffset, source.byteLength), label: 'model bytes' };
  throw new TypeError(`InferenceSession.create: expected a path, a Uint8Array or an ArrayBuffer, got ${describeValue(source)}`);
}

export class InferenceSession implements AsyncDisposable {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata: readonly ValueMetadata[];
  readonly outputMetadata: readonly ValueMetadata[];

  private native: NativeSession | null;
  private readonly inputs: ModelInput[];
  private readonly plans: PlanCache;
  private readonly parameterInputs: Set<string>;
  private peakArena = 0;
  /** Packed-weight constants whose raw bytes native still holds (released after a plan is built). */
  private unreleased: string[];

  private constructor(
    private readonly graph: IrGraph,
    private readonly initializerIndex: Map<string, number>,
    native: NativeSession,
    private readonly optimize: boolean,
    planCacheSize: number,
    packOnly: Set<string>,
  ) {
    this.native = native;
    this.unreleased = [...packOnly].filter((name) => initializerIndex.has(name));
    this.inputs = graph.inputs.map((i) => {
      const type = tensorTypeOf(i.type.elemType);
      if (!type) throw new TypeError(`InferenceSession.create: input '${i.name}' has element type ${i.type.elemType}, which is not supported`);
      return { name: i.name, type, dims: i.type.shape };
    });
    this.inputNames = Object.freeze(this.inputs.map((i) => i.name));
    this.outputNames = Object.freeze(graph.outputs.map((o) => o.name));
    const meta = (name: string, elemType: string, shape: IrGraph['inputs'][number]['type']['shape']): ValueMetadata => ({
      name,
      isTensor: true,
      type: (tensorTypeOf(elemType as never) ?? elemType) as TensorType,
      shape: (shape ?? []).map((d) => (d === null ? -1 : d)),
    });
    this.inputMetadata = Object.freeze(graph.inputs.map((i) => meta(i.name, i.type.elemType, i.type.shape)));
    this.outputMetadata = Object.freeze(graph.outputs.map((o) => meta(o.name, o.type.elemType, o.type.shape)));
    this.parameterInputs = parameterInputNames(graph);
    this.plans = new PlanCache(planCacheSize, (plan) => this.native?.removePlan(plan.id));
  }

  /**
   * Reads an ONNX model (a path, or its bytes), checks that every operator is supported, optimises
   * the graph and, when the input shapes are all fixed, prepares the plan off the main thread.
   */
  static async create(source: string | Uint8Array | ArrayBuffer | ArrayBufferView, options?: SessionOptions): Promise<InferenceSession> {
    const opts = checkOptions(options);
    const { bytes, baseDir, ours } = await loadBytes(source);
    const model = readModel(bytes, { ...(baseDir === undefined ? {} : { baseDir }), ...(ours ? { ownedBuffer: ours } : {}) });
    const graph = graphFromModel(model);
    checkQuantization(graph);
    lowerQOperators(graph);
    checkSupported(graph);
    if (opts.optimize) optimizeGraph(graph);
    const packOnly = packOnlyConstants(graph);
    const { list, index } = initializersOf(graph, packOnly);
    const native = new binding.NativeSession(list, opts.intraOpNumThreads);
    const session = new InferenceSession(graph, index, native, opts.optimize, opts.planCacheSize, packOnly);
    if ((options as SessionOptions | undefined)?.enableProfiling) session.startProfiling();
    // Fixed shapes: plan now, so the first run only runs (and plan errors surface here).
    const fixed = session.inputs.every((i) => i.dims !== null && i.dims.every((d) => typeof d === 'number')) && session.parameterInputs.size === 0;
    if (fixed) {
      const shapes = new Map(session.inputs.map((i) => [i.name, i.dims as number[]]));
      await session.planFor(shapes, new Map()).built;
    }
    return session;
  }

  /**
   * What each node runs as — an int8 kernel, a quantize / dequantize step, a float operator that is
   * the Q/DQ fallback of a quantized model, or plain float — for the plan of the most recent input
   * shapes (the optimised graph: fused QDQ groups appear as their int8 operators). Before any plan
   * exists (inputs with free dimensions and no run yet), the plan for `shapes` is made.
   */
  describe(shapes?: Record<string, readonly number[]>): NodeDescription[] {
    this.live();
    if (shapes) return this.planFor(new Map(Object.entries(shapes).map(([k, v]) => [k, [...v]])), new Map()).nodes;
    const last = [...this.plans.values()].pop();
    if (!last) throw new Error('InferenceSession.describe: no plan yet (the inputs have free dimensions); pass their shapes or run once');
    return last.nodes;
  }

  /** Peak arena bytes of the plans made so far (the intermediate values of one run, reusing memory). */
  get peakArenaBytes(): number {
    return this.peakArena;
  }

  /**
   * Runs the model off the main thread; resolves to the outputs (all, or those `fetches` names).
   * `fetches` may map output names to Tensors of the right type and dims: results are written into
   * them (no new memory per run, as with onnxruntime's pre-allocated outputs).
   */
  async run(feeds: InferenceSessionFeeds, fetches?: InferenceSessionFetches | Record<string, unknown>, _options?: unknown): Promise<InferenceSessionResult> {
    const native = this.live();
    const { plan, inputData } = this.prepare(feeds);
    const fetch = isRunOptions(fetches) ? undefined : fetches;
    const names = checkFetches(fetch, this.outputNames);
    const outputs = outputBuffers(plan, fetch, true);
    const outputData: ArrayBufferView[] = [];
    // Results of earlier runs among the feeds and fetches keep their memory until this run ends, even
    // if disposed of meanwhile (lib/result-memory.ts). This run's new results are nobody else's yet.
    const heldData = inputData.slice();
    for (const o of outputs) {
      outputData.push(o.data);
      if (o.given) heldData.push(o.data);
    }
    const release = holdDuringRun(heldData);
    try {
      if (!plan.ready) await plan.built;
      await native.run(plan.id, inputData, outputData);
    } finally {
      release();
    }
    return collect(outputs, names);
  }

  /** run() on the calling thread (blocks it until the model finished). */
  runSync(feeds: InferenceSessionFeeds, fetches?: InferenceSessionFetches | Record<string, unknown>, _options?: unknown): InferenceSessionResult {
    const native = this.live();
    const { plan, inputData } = this.prepare(feeds);
    const fetch = isRunOptions(fetches) ? undefined : fetches;
    const names = checkFetches(fetch, this.outputNames);
    const outputs = outputBuffers(plan, fetch, false);
    native.runSync(plan.id, inputData, outputs.map((t) => t.data));
    return collect(outputs, names);
  }

  /** Starts timing every operator of every run (a small cost per node). */
  startProfiling(): void {
    this.live().setProfiling(true);
  }

  /** Stops timing and returns the profile gathered so far. */
  endProfiling(): SessionProfile {
    const profile = this.profile();
    this.live().setProfiling(false);
    return profile;
  }

  /** Per-operator time of the runs since profiling started, over all input shapes seen. */
  profile(): SessionProfile {
    const native = this.live();
    const nodes: SessionProfile['nodes'] = [];
    const byType = new Map<string, { milliseconds: number; nodes: number }>();
    const byKind = new Map<KernelKind, { milliseconds: number; nodes: number }>();
    const add = <K>(m: Map<K, { milliseconds: number; nodes: number }>, key: K, milliseconds: number) => {
      const t = m.get(key) ?? { milliseconds: 0, nodes: 0 };
      t.milliseconds += milliseconds;
      t.nodes++;
      m.set(key, t);
    };
    let runs = 0;
    for (const plan of this.plans.values()) {
      const p = native.profile(plan.id);
      const kinds = new Map(plan.nodes.map((d) => [d.name, d.kernel]));
      runs += p.runs;
      for (const n of p.nodes) {
        const milliseconds = n.nanoseconds / 1e6;
        // Nodes the planner adds (layout transposes, copies) are float-free data movement: 'float'.
        const kernel = kinds.get(n.name) ?? 'float';
        nodes.push({ name: n.name, opType: n.opType, kernel, milliseconds });
        add(byType, n.opType, milliseconds);
        add(byKind, kernel, milliseconds);
      }
    }
    const byOpType = [...byType].map(([opType, t]) => ({ opType, ...t })).sort((a, b) => b.milliseconds - a.milliseconds);
    const byKernel = [...byKind].map(([kernel, t]) => ({ kernel, ...t })).sort((a, b) => b.milliseconds - a.milliseconds);
    return { runs, nodes, byOpType, byKernel };
  }

  /** Frees the session's native memory. Idempotent; runs already started finish first. */
  async release(): Promise<void> {
    if (!this.native) return;
    this.plans.clear();
    this.native.release();
    this.native = null;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.release();
  }

  private live(): NativeSession {
    if (!this.native) throw new Error('InferenceSession: the session was released');
    return this.native;
  }

  private prepare(feeds: unknown): { plan: PreparedPlan; inputData: ArrayBufferView[] } {
    const tensors = checkFeeds(feeds, this.inputs);
    // Parameter inputs are folded into the plan by value: only plans without them are found by dims.
    let plan = this.parameterInputs.size === 0 ? this.plans.newestFor(tensors) : undefined;
    if (!plan) {
      const shapes = new Map(this.inputs.map((input, i) => [input.name, [...tensors[i]!.dims]]));
      const values = new Map<string, InitializerTensor>();
      this.inputs.forEach((input, i) => {
        if (!this.parameterInputs.has(input.name)) return;
        const t = tensors[i]!;
        values.set(input.name, { name: input.name, type: t.type, dims: [...t.dims], data: t.data as InitializerTensor['data'] });
      });
      plan = this.planFor(shapes, values);
    }
    return { plan, inputData: plan.inputOrder.map((i) => tensors[i]!.data) };
  }

  private planFor(shapes: Map<string, number[]>, values: Map<string, InitializerTensor>): PreparedPlan {
    const key = signature(shapes, values);
    const dims = this.inputs.map((input) => shapes.get(input.name) ?? []);
    const cached = this.plans.get(key, dims);
    if (cached) return cached;
    const native = this.live();
    const g = cloneGraph(this.graph);
    inferTypes(g, shapes, values);
    foldConstants(g);
    if (this.optimize) applyChannelsLast(g);
    const { plan } = buildNativePlan(g, this.initializerIndex);
    const id = native.addPlan(plan);
    const outputs = plan.outputs.map((valueId) => {
      const v = plan.values[valueId]!;
      return { name: v.name, type: tensorTypeOfCode(v.dtype), dims: v.shape, size: v.shape.reduce((a, b) => a * b, 1) };
    });
    const built = native.buildPlan(id);
    built.catch(() => undefined);  // observed by run(); an unobserved rejection must not crash the process
    // Giving packed weights' raw bytes up only saves memory: should it fail, they stay held (and a
    // throw here must not become an unhandled rejection).
    built.then(() => this.releasePacked()).catch(() => undefined);
    const inputIndex = new Map(this.inputs.map((input, i) => [input.name, i]));
    const inputOrder = plan.inputs.map((v) => inputIndex.get(plan.values[v]!.name)!);
    const prepared: PreparedPlan = { id, inputOrder, outputs, arenaBytes: plan.arenaBytes, nodes: describeGraph(g), built, ready: false };
    built.then(() => (prepared.ready = true), () => undefined);
    this.plans.set(key, prepared, dims);
    this.peakArena = Math.max(this.peakArena, plan.arenaBytes);
    return prepared;
  }

  /** After a plan is built: native gives up the raw weights it has packed, and so does the graph. */
  private releasePacked(): void {
    if (!this.native || this.unreleased.length === 0) return;
    const released = new Set(this.native.releasePacked(this.unreleased.map((name) => this.initializerIndex.get(name)!)));
    this.unreleased = this.unreleased.filter((name) => {
      if (!released.has(this.initializerIndex.get(name)!)) return true;
      markReleased(this.graph.constants.get(name)!);
      return false;
    });
  }
}

function isRunOptions(v: unknown): boolean {
  // onnxruntime's run(feeds, options): an options object has no output names as keys, only settings.
  return typeof v === 'object' && v !== null && !Array.isArray(v) && ('logSeverityLevel' in v || 'tag' in v || 'terminate' in v || 'logVerbosityLevel' in v);
}

function signature(shapes: Map<string, number[]>, values: Map<string, InitializerTensor>): string {
  let key = '';
  for (const [name, dims] of shapes) key += `${name}:${dims.join('x')};`;
  for (const [name, t] of values) key += `${name}=${Array.from(t.data as ArrayLike<number | bigint>, String).join(',')};`;
  return key;
}

/** The result Tensors of a run: the caller's (from fetches) where given, new ones elsewhere. */
/** `recycled`: results may use recycled native memory (run(); see allocateForResult). */
function outputBuffers(plan: PreparedPlan, fetches: unknown, recycled: boolean): { name: string; tensor: Tensor; data: ArrayBufferView; given: boolean }[] {
  const given = typeof fetches === 'object' && fetches !== null && !Array.isArray(fetches) ? (fetches as Record<string, unknown>) : {};
  return plan.outputs.map((o) => {
    const t = given[o.name];
    if (t !== undefined && t !== null) {
      if (!(t instanceof Tensor)) throw new TypeError(`run: fetches['${o.name}'] must be a Tensor or null, got ${describeValue(t)}`);
      if (t.location === 'none') throw new Error(`run: fetches['${o.name}'] is a disposed tensor`);
      if (t.type !== o.type || !sameShape(t.dims, o.dims)) {
        throw new TypeError(`run: fetches['${o.name}'] must be a ${o.type} tensor of dims [${o.dims.join(',')}], got ${t.type} [${t.dims.join(',')}]`);
      }
      return { name: o.name, tensor: t, data: t.data, given: true };
    }
    const data = allocateForResult(o.type, o.size, recycled);
    return { name: o.name, tensor: new Tensor(o.type, data as never, o.dims), data, given: false };
  });
}

function collect(outputs: { name: string; tensor: Tensor }[], names: readonly string[]): InferenceSessionResult {
  const result: InferenceSessionResult = {};
  for (const o of outputs) if (names.includes(o.name)) result[o.name] = o.tensor;
  return result;
}

/** The graph's constants that native keeps for the session, and their indices. */
function initializersOf(graph: IrGraph, packOnly: Set<string>): { list: NativeInitializer[]; index: Map<string, number> } {
  const list: NativeInitializer[] = [];
  const index = new Map<string, number>();
  for (const [name, t] of graph.constants) {
    const code = dtypeCode(t.type);
    if (code === undefined || !isNumericData(t.data)) continue;
    index.set(name, list.length);
    list.push({ dtype: code, shape: t.dims, data: t.data, packOnly: packOnly.has(name) });
  }
  return { list, index };
}
