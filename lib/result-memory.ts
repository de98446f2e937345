/**
 * The memory octet allocates for run results, and handing it back early. Tensor.dispose() on a
 * result detaches its ArrayBuffer: the memory goes back to the pool at once (the next run of that
 * shape writes it while it is still in cache) and V8 stops counting it, instead of waiting for a
 * collection. A buffer an unfinished run() still reads or writes is detached only when the last such
 * run ends, so native code never sees memory that was handed back. Buffers octet did not allocate
 * (the caller's inputs and fetches) are never detached.
 */
import { binding } from './binding.js';

/** Result buffers octet allocated (both run() and runSync() results). */
const owned = new WeakSet<ArrayBuffer>();
/** Owned buffers in use by unfinished run() calls: how many. */
const inUse = new WeakMap<ArrayBuffer, number>();
/** Owned buffers disposed of while in use: detached when their last run ends. */
const detachWhenIdle = new WeakSet<ArrayBuffer>();

/** Records a buffer allocated for a result. */
export function ownResultBuffer(buffer: ArrayBuffer): void {
  owned.add(buffer);
}

/**
 * Marks the owned buffers among `views` (a run's inputs and outputs) as in use until the returned
 * function is called, when the run has ended.
 */
export function holdDuringRun(views: readonly ArrayBufferView[]): () => void {
  const held: ArrayBuffer[] = [];
  for (const v of views) {
    const b = v.buffer as ArrayBuffer;
    if (!owned.has(b)) continue;
    inUse.set(b, (inUse.get(b) ?? 0) + 1);
    held.push(b);
  }
  if (held.length === 0) return doNothing;
  return () => {
    for (const b of held) {
      const n = inUse.get(b)! - 1;
      if (n > 0) {
        inUse.set(b, n);
        continue;
      }
      inUse.delete(b);
      if (detachWhenIdle.delete(b)) binding.detachResultBuffer(b);
    }
  };
}

/** Hands an owned buffer's memory back now, or when the runs using it end; others are left alone. */
export function releaseResultBuffer(buffer: ArrayBuffer): void {
  if (!owned.has(buffer)) return;
  if (inUse.has(buffer)) detachWhenIdle.add(buffer);
  else binding.detachResultBuffer(buffer);
}

function doNothing(): void {}
