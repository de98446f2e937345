/**
 * The native addon's surface, exactly as `native/addon/` exports it. Only this file loads the addon;
 * everything else imports the typed handle from here. The native side validates every argument
 * again (lengths, ranges, types) and throws TypeError/RangeError naming the argument, so a mistake in
 * the TypeScript layer surfaces as an error, never as an out-of-bounds access.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NativePlan } from './schedule/native-plan.js';

export type IsaName = 'scalar' | 'avx2' | 'avxvnni' | 'avx512vnni' | 'neon' | 'neondot';
export type NativeOutputKind = 'int32' | 'uint8' | 'int8' | 'float32';

export interface NativeRuntimeInfo {
  /** Path every kernel call uses now. */
  isa: IsaName;
  /** Paths this binary was built with that this CPU can run. */
  availableIsas: IsaName[];
  /** Default number of threads for intra-op parallelism (the machine's cores unless changed). */
  threads: number;
  /** Name of the GEMM micro-kernel, e.g. "qgemm_u8s8_8x32c4__avx512vnni". */
  gemmKernel: string;
  /** CPU features seen by CPUID / HWCAP. */
  cpuFeatures: string[];
  /** Bytes of native memory held now by packed weights and kernel scratch buffers. */
  nativeBytes: number;
}

/** Opaque native object holding weights packed for one ISA's micro-kernel. */
export interface NativePackedWeights {
  readonly K: number;
  readonly N: number;
  readonly isa: IsaName;
  readonly byteLength: number;
  /** Frees the packed memory now (idempotent); later use throws. */
  release(): void;
}

export interface NativeQGemmArgs {
  /** Activations, M×K row-major; int8 activations are shifted by +128 natively. */
  a: Uint8Array | Int8Array;
  M: number;
  K: number;
  /** Activation zero point: a number or one value (per tensor), or M values (per row), in a's type range. */
  aZeroPoint: Int32Array | number;
  b: NativePackedWeights;
  /** Optional int32 bias, N values, added before requantization. */
  bias?: Int32Array;
  output: NativeOutputKind;
  /**
   * For 'uint8'/'int8' output: the requantization scale is computed natively as
   * (aScale * bScale[n]) / yScale in float32. For 'float32' output: aScale * bScale[n].
   * aScale: 1 value; bScale: 1 or N values; yScale: 1 value (unused for float32 output).
   * Scalars may be plain numbers, which must be float32 values (Math.fround); numbers spare the
   * per-call typed-array allocation on hot paths.
   */
  aScale?: Float32Array | number;
  bScale?: Float32Array | number;
  yScale?: Float32Array | number;
  /** Output zero point for 'uint8'/'int8'. */
  yZeroPoint?: number;
  /** Extra clamp in the quantized domain (fused ReLU/ReLU6), inside the type's range. */
  qmin?: number;
  qmax?: number;
  /** Destination, M×N, of the output kind's array type. */
  out: Int32Array | Uint8Array | Int8Array | Float32Array;
  /** Threads for this call; default the runtime's. */
  threads?: number;
}

/** Native half of an InferenceSession (native/addon/session_wrap.cc). */
export interface NativeSession {
  /** Hands a plan over (checked natively); returns its id. */
  addPlan(plan: NativePlan): number;
  removePlan(id: number): void;
  /** Creates the plan's operators (packs weights) on a worker thread. */
  buildPlan(id: number): Promise<void>;
  /** Gives up the raw bytes of these initializers where packed (lib/session/released-weights.ts); returns those released. */
  releasePacked(indices: number[]): number[];
  planInfo(id: number): { arenaBytes: number; scratchBytes: number; pooledBytes: number };
  /** Times every node of every plan from now on (or stops). */
  setProfiling(on: boolean): void;
  profile(id: number): { runs: number; nodes: { name: string; opType: string; nanoseconds: number }[] };
  /** Runs the whole graph on a worker thread; outputs are written in place. */
  run(id: number, inputs: ArrayBufferView[], outputs: ArrayBufferView[]): Promise<void>;
  runSync(id: number, inputs: ArrayBufferView[], outputs: ArrayBufferView[]): void;
  release(): void;
}

export interface NativeInitializer {
  dtype: number;
  shape: number[];
  data: ArrayBufferView;
  /** Read only as a packed weight: native may give its bytes up once packed (lib/session/released-weights.ts). */
  packOnly?: boolean;
}

export interface NativeSessionConstructor {
  new (initializers: NativeInitializer[], threads: number): NativeSession;
}

export interface NativeBinding {
  NativeSession: NativeSessionConstructor;
  /** Graph operators implemented natively: 'OpType' or 'domain.OpType'. */
  nativeOperators(): string[];
  /** `bytes` zeroed bytes in memory whose pages a session can give back as it packs weights (a model file's). */
  allocModelBuffer(bytes: number): ArrayBuffer;
  /** Uncleared memory for a run's result, recycled when the tensor is collected (native/addon/result_buffers.cc). */
  allocResultBuffer(bytes: number): ArrayBuffer;
  /** Detaches a result's ArrayBuffer so its memory goes back at once (Tensor.dispose(); native/addon/result_buffers.cc). */
  detachResultBuffer(buffer: ArrayBuffer): void;
  runtimeInfo(): NativeRuntimeInfo;
  /** Switches the path used from now on (tests, OCTET_ISA does the same at load). Throws if unavailable. */
  setIsa(isa: IsaName): void;
  setNumThreads(threads: number): void;
  /** b: K×N row-major int8 or uint8 (uint8 is shifted by -128 with its zero point); zeroPoint 1 or N values. */
  packWeights(b: Int8Array | Uint8Array, K: number, N: number, zeroPoint: Int32Array): NativePackedWeights;
  qgemm(args: NativeQGemmArgs): void;
  /** The scalar oracle on unpacked inputs, same arguments but b is the raw K×N matrix. */
  qgemmReference(args: Omit<NativeQGemmArgs, 'b' | 'threads'> & { b: Int8Array | Uint8Array; N: number; bZeroPoint: Int32Array }): void;
  /**
   * x viewed as [outer, channels, inner]; scale and zeroPoint have 1 or `channels` values.
   * y: Uint8Array or Int8Array of x's length.
   */
  quantizeLinear(x: Float32Array, scale: Float32Array, zeroPoint: Int32Array, outer: number, channels: number, inner: number, y: Uint8Array | Int8Array, threads?: number): void;
  dequantizeLinear(x: Uint8Array | Int8Array | Int32Array, scale: Float32Array, zeroPoint: Int32Array, outer: number, channels: number, inner: number, y: Float32Array, threads?: number): void;
  /** ONNX DynamicQuantizeLinear: writes y, returns the float32 scale and uint8 zero point. */
  dynamicQuantizeLinear(x: Float32Array, y: Uint8Array): { scale: number; zeroPoint: number };
  /** Runs a VNNI (or AVX2 / NEON) multiply-accumulate throughput loop on one thread; returns int8 GOP/s. */
  measurePeakGops(isa: IsaName, milliseconds: number): number;
}

function findAddon(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // dist/ (compiled) and lib/ (vitest on sources) both sit one level below the package root.
  const root = join(here, '..');
  const candidates = [join(root, 'build', 'Release', 'octet.node'), join(root, 'build', 'Debug', 'octet.node')];
  for (const candidate of candidates) if (existsSync(candidate)) return candidate;
  throw new Error(`octet: native addon not found (looked in ${candidates.join(', ')}); run "npm install" to build it`);
}

const require = createRequire(import.meta.url);
export const binding: NativeBinding = require(findAddon()) as NativeBinding;
