/**
 * Which kernel path runs and with how many threads. The ISA is fixed at load (best available, or
 * OCTET_ISA) and reported here; tests switch it through the binding directly.
 */
import { binding, type IsaName } from './binding.js';
import { readThreads } from './validate.js';

export interface RuntimeInfo {
  /** Path every kernel call uses now. */
  isa: IsaName;
  /** Paths this binary has that this CPU can run. */
  availableIsas: IsaName[];
  /** Default intra-op thread count. */
  threads: number;
  /** Name of the GEMM micro-kernel in use, e.g. "qgemm_u8s8_8x32c4__avx512vnni". */
  gemmKernel: string;
  /** CPU features detected. */
  cpuFeatures: string[];
  /** Bytes of native memory held now by packed weights and kernel scratch buffers. */
  nativeBytes: number;
}

/** A fresh snapshot (callers may mutate it freely). */
export function runtimeInfo(): RuntimeInfo {
  const info = binding.runtimeInfo();
  return {
    isa: info.isa,
    availableIsas: [...info.availableIsas],
    threads: info.threads,
    gemmKernel: info.gemmKernel,
    cpuFeatures: [...info.cpuFeatures],
    nativeBytes: info.nativeBytes,
  };
}

/** Sets the default intra-op thread count (a positive integer) for every later call. */
export function setNumThreads(threads: number): void {
  const n = readThreads('setNumThreads', 'threads', threads);
  if (n === undefined) throw new TypeError('setNumThreads: threads must be a positive integer, got undefined');
  binding.setNumThreads(n);
}
