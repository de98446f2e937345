/**
 * Plans by input-shape signature. A model with symbolic dimensions (batch 'N') gets one plan per
 * distinct set of input shapes; each is made once in TypeScript (shape inference, folding, layout,
 * memory plan), handed to native once, and reused by every run with those shapes. Weights are packed
 * once per session whatever the number of plans (native WeightCache). The cache is small and LRU:
 * servers see few distinct shapes, and an evicted plan is rebuilt on demand.
 */
import { sameShape } from '../graph/broadcast.js';
import type { NativePlan } from '../schedule/native-plan.js';
import type { TensorType } from '../tensor.js';

import type { NodeDescription } from './describe.js';

export interface PreparedPlan {
  /** Native plan id (NativeSession.addPlan). */
  id: number;
  /** The feeds in the order native expects them, as indices among the session's inputs (the order
   * checkFeeds returns). */
  inputOrder: number[];
  /** Results in the order native writes them. */
  outputs: { name: string; type: TensorType; dims: number[]; size: number }[];
  arenaBytes: number;
  /** What each node runs as (int8, fallback, ...), in execution order. */
  nodes: NodeDescription[];
  /** Resolves once native created the operators (weights packed). */
  built: Promise<void>;
  /** Set when `built` has resolved: a run then need not await it. */
  ready: boolean;
}

export class PlanCache {
  private readonly entries = new Map<string, PreparedPlan>();
  /** The plan used last, its key, and the input dims it was used with. A run with the same dims (the
   * common case) takes it from here without a signature; and touching it again moves nothing in
   * `entries`: a Map delete and set per run made V8 rehash the Map's table now and then, in the old
   * generation once the Map is old, which brought full collections closer
   * (test/session/result-buffers.test.ts). */
  private newest: { key: string; plan: PreparedPlan; dims: readonly (readonly number[])[] } | undefined;
  constructor(
    private readonly capacity: number,
    private readonly evict: (plan: PreparedPlan) => void,
  ) {}

  /** The plan used last, if `feeds` (in the session's input order) have the dims it was used with. */
  newestFor(feeds: readonly { dims: readonly number[] }[]): PreparedPlan | undefined {
    const newest = this.newest;
    if (!newest || feeds.length !== newest.dims.length) return undefined;
    for (let i = 0; i < feeds.length; i++) if (!sameShape(feeds[i]!.dims, newest.dims[i]!)) return undefined;
    return newest.plan;
  }

  /** `dims`: the input dims of this use, in the session's input order. */
  get(key: string, dims: readonly (readonly number[])[]): PreparedPlan | undefined {
    const plan = this.entries.get(key);
    if (!plan) return undefined;
    if (key !== this.newest?.key) {
      // Most recently used last.
      this.entries.delete(key);
      this.entries.set(key, plan);
    }
    this.newest = { key, plan, dims };
    return plan;
  }

  set(key: string, plan: PreparedPlan, dims: readonly (readonly number[])[]): void {
    this.entries.delete(key);
    this.entries.set(key, plan);
    this.newest = { key, plan, dims };
    // The newest entry is last, so never evicted here.
    while (this.entries.size > this.capacity) {
      const [oldestKey, oldest] = this.entries.entries().next().value as [string, PreparedPlan];
      this.entries.delete(oldestKey);
      this.evict(oldest);
    }
  }

  values(): IterableIterator<PreparedPlan> {
    return this.entries.values();
  }

  clear(): void {
    this.entries.clear();
    this.newest = undefined;
  }
}

export type { NativePlan };
