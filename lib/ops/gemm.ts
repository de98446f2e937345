/**
 * Runs one matmul plan through the native qgemm: shared by matmulInteger (int32 output) and
 * qlinearMatMul (requantized uint8/int8 output).
 *
 * - b 2-D or packed (one b batch): a's batches are contiguous M×K blocks, so the whole batch is
 *   folded into M and computed by a single native call (one packing, best threading).
 * - b batched: each distinct b batch is packed once, then one native call per output batch on
 *   subarray views of a and of the output (no copies).
 * Temporary packings are released as soon as the call ends, also when it throws.
 */
import { binding, type NativePackedWeights, type NativeQGemmArgs } from '../binding.js';
import type { Tensor } from '../tensor.js';
import type { QuantizedType } from '../validate.js';
import type { MatMulPlan } from './matmul-shapes.js';
import type { PackedWeights } from './packed-weights.js';

export type GemmOutput =
  | { kind: 'int32' }
  | {
      kind: QuantizedType;
      aScale: number;
      /** 1 or N values. */
      bScale: Float32Array;
      yScale: number;
      yZeroPoint: number;
      /** Clamp in the quantized domain (type range unless a fused activation narrows it). */
      qmin: number;
      qmax: number;
    };

export interface GemmInputs {
  op: string;
  a: Tensor<'uint8' | 'int8'>;
  /** 1 or M values. */
  aZeroPoint: Int32Array;
  /** Raw b (with its zero point, 1 or N values) or weights packed beforehand. */
  b: { tensor: Tensor<'uint8' | 'int8'>; zeroPoint: Int32Array } | { packed: PackedWeights };
  plan: MatMulPlan;
  output: GemmOutput;
  threads: number | undefined;
  /** Caller-provided destination (attrs.out), already checked for type and dims. */
  out?: Int32Array | Uint8Array | Int8Array;
}

type GemmResult<O extends GemmOutput> = O extends { kind: 'int32' } ? Int32Array : Uint8Array | Int8Array;

function allocate(output: GemmOutput, size: number): Int32Array | Uint8Array | Int8Array {
  if (output.kind === 'int32') return new Int32Array(size);
  return output.kind === 'uint8' ? new Uint8Array(size) : new Int8Array(size);
}

/** Output value of an empty sum (K = 0): v = 0 requantizes to the zero point, then the clamp applies. */
function emptySumValue(output: GemmOutput): number {
  if (output.kind === 'int32') return 0;
  return Math.min(Math.max(output.yZeroPoint, output.qmin), output.qmax);
}

export function runGemm<O extends GemmOutput>(inputs: GemmInputs & { output: O }): GemmResult<O> {
  const { op, a, aZeroPoint, plan, output, threads } = inputs;
  const { M, K, N } = plan;
  const out = inputs.out ?? allocate(output, plan.outBatches * M * N);
  if (out.length === 0) return out as GemmResult<O>;
  if (K === 0) return out.fill(emptySumValue(output)) as GemmResult<O>;

  // One object literal with every property in a fixed order: the native side reads it by name, and
  // V8 answers fastest for objects that keep one shape (no spreads, no properties added later).
  // Scalars go as numbers: a fresh one-element typed array per call costs more than a GEMV's arithmetic.
  const quantized = output.kind !== 'int32';
  const args: NativeQGemmArgs = {
    a: a.data,
    M: plan.aBatches * M,
    K,
    aZeroPoint: aZeroPoint.length === 1 ? aZeroPoint[0]! : aZeroPoint,
    b: undefined as unknown as NativePackedWeights,
    output: output.kind,
    aScale: quantized ? Math.fround(output.aScale) : undefined,
    bScale: quantized ? (output.bScale.length === 1 ? output.bScale[0]! : output.bScale) : undefined,
    yScale: quantized ? Math.fround(output.yScale) : undefined,
    yZeroPoint: quantized ? output.yZeroPoint : undefined,
    qmin: quantized ? output.qmin : undefined,
    qmax: quantized ? output.qmax : undefined,
    out,
    threads,
  };

  if ('packed' in inputs.b) {
    args.b = inputs.b.packed.nativeHandle(op);
    binding.qgemm(args);
    return out as GemmResult<O>;
  }

  const { tensor: b, zeroPoint: bZeroPoint } = inputs.b;
  const panels: NativePackedWeights[] = [];
  try {
    if (plan.bBatches === 1) {
      panels.push(binding.packWeights(b.data, K, N, bZeroPoint));
      args.b = panels[0]!;
      binding.qgemm(args);
    } else {
      const bSize = K * N;
      for (let j = 0; j < plan.bBatches; j++) panels.push(binding.packWeights(b.data.subarray(j * bSize, (j + 1) * bSize), K, N, bZeroPoint));
      const aSize = M * K;
      const outSize = M * N;
      for (let i = 0; i < plan.outBatches; i++) {
        const ai = plan.aBatchOf[i]!;
        args.a = a.data.subarray(ai * aSize, (ai + 1) * aSize);
        args.M = M;
        args.b = panels[plan.bBatchOf[i]!]!;
        args.out = out.subarray(i * outSize, (i + 1) * outSize);
        binding.qgemm(args);
      }
    }
  } finally {
    for (const panel of panels) panel.release();
  }
  return out as GemmResult<O>;
}
