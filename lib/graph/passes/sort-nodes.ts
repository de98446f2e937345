/**
 * sortNodes: puts g.nodes in topological order (Kahn's algorithm). Among the nodes ready to run, the
 * one earliest in the current order goes first, so an already sorted graph keeps its order. A cycle
 * is an Error naming a node on it. topologicalOrder() is the same algorithm with a caller-chosen
 * priority (the scheduler uses it to order execution).
 */
import type { IrGraph, IrNode } from '../ir.js';

/** A binary min-heap of numbers (node positions) under a comparison. */
class Heap {
  readonly #items: number[] = [];
  constructor(private readonly less: (a: number, b: number) => boolean) {}

  get size(): number {
    return this.#items.length;
  }

  push(item: number): void {
    const items = this.#items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(items[i]!, items[parent]!)) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }

  pop(): number {
    const items = this.#items;
    const top = items[0]!;
    const last = items.pop()!;
    if (items.length > 0) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let best = i;
        if (l < items.length && this.less(items[l]!, items[best]!)) best = l;
        if (r < items.length && this.less(items[r]!, items[best]!)) best = r;
        if (best === i) break;
        [items[i], items[best]] = [items[best]!, items[i]!];
        i = best;
      }
    }
    return top;
  }
}

/**
 * Chooses among ready nodes: `before(a, b)` is true when node a (a position in g.nodes) should run
 * before node b. `readyStep[i]` is the step at which node i became ready (-1: ready from the start),
 * for priorities that prefer consuming recently produced values.
 */
export type ReadyPriority = (a: number, b: number, readyStep: Int32Array) => boolean;

const byPosition: ReadyPriority = (a, b) => a < b;

/** The nodes of g in a topological order; throws an Error naming a node on a cycle. */
export function topologicalOrder(g: IrGraph, before: ReadyPriority = byPosition): IrNode[] {
  const nodes = g.nodes;
  const producerOf = new Map<string, number>();
  nodes.forEach((node, i) => {
    for (const out of node.outputs) if (out !== '') producerOf.set(out, i);
  });
  // Edges producer → consumer, once per (producer, consumer) pair.
  const successors: number[][] = nodes.map(() => []);
  const waitingOn = new Int32Array(nodes.length);
  nodes.forEach((node, i) => {
    const preds = new Set<number>();
    for (const input of node.inputs) {
      const p = input === '' ? undefined : producerOf.get(input);
      if (p !== undefined) preds.add(p);
    }
    for (const p of preds) successors[p]!.push(i);
    waitingOn[i] = preds.size;
  });

  const readyStep = new Int32Array(nodes.length).fill(-1);
  const ready = new Heap((a, b) => before(a, b, readyStep));
  nodes.forEach((_, i) => {
    if (waitingOn[i] === 0) ready.push(i);
  });
  const order: IrNode[] = [];
  while (ready.size > 0) {
    const i = ready.pop();
    const step = order.length;
    order.push(nodes[i]!);
    for (const s of successors[i]!) {
      if (--waitingOn[s]! === 0) {
        readyStep[s] = step;
        ready.push(s);
      }
    }
  }
  if (order.length < nodes.length) throw new Error(cycleMessage(nodes, waitingOn, producerOf));
  return order;
}

/** Walks back from a blocked node along blocked producers until a node repeats: that node is on a cycle. */
function cycleMessage(nodes: IrNode[], waitingOn: Int32Array, producerOf: Map<string, number>): string {
  let i = waitingOn.findIndex((w) => w > 0);
  const visited = new Set<number>();
  while (!visited.has(i)) {
    visited.add(i);
    const node = nodes[i]!;
    const blocked = node.inputs.map((v) => (v === '' ? undefined : producerOf.get(v))).find((p) => p !== undefined && waitingOn[p]! > 0);
    if (blocked === undefined) break; // cannot happen: a blocked node waits on a blocked producer
    i = blocked;
  }
  const node = nodes[i]!;
  return `graph has a cycle through node '${node.name}' (${node.opType})`;
}

export function sortNodes(g: IrGraph): void {
  g.nodes = topologicalOrder(g);
}
