/**
 * Which kernel path runs and with how many threads. The ISA is fixed at load (best available, or
 * OCTET_ISA) and reported here; tests switch it through the binding directly.
 */
import { binding, type NativeRuntimeInfo } from './binding.js';
import { readThreads } from './validate.js';

/** What runtimeInfo() reports (the native fields, documented in binding.ts). */
export type RuntimeInfo = NativeRuntimeInfo;

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
