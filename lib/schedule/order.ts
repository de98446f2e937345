/**
 * Execution order: a topological order that runs a node as soon as possible after the values it
 * reads were produced (among ready nodes, the one that became ready last goes first: depth first).
 * Consuming a value soon after it is made lets its bytes be reused soon, which keeps the arena's peak
 * low on branchy graphs; ties keep the graph's own order, so a chain runs as written.
 */
import type { IrGraph, IrNode } from '../graph/ir.js';
import { topologicalOrder, type ReadyPriority } from '../graph/passes/sort-nodes.js';

const consumeSoon: ReadyPriority = (a, b, readyStep) => (readyStep[a] !== readyStep[b] ? readyStep[a]! > readyStep[b]! : a < b);

/** The nodes of g in the order they will execute (g is not changed). Throws on a cycle. */
export function executionOrder(g: IrGraph): IrNode[] {
  return topologicalOrder(g, consumeSoon);
}
