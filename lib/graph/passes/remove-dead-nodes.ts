/**
 * removeDeadNodes: a node none of whose outputs reaches a graph output does not need to run. Walks
 * back from the outputs; nodes never reached go, and so do constants no remaining node reads (the
 * folding passes leave the weights they replaced behind) and the types of the removed values.
 */
import type { IrGraph, IrNode } from '../ir.js';
import { producerIndex } from './graph-queries.js';

export function removeDeadNodes(g: IrGraph): void {
  const producers = producerIndex(g);
  const live = new Set<IrNode>();
  const pending = g.outputs.map((o) => o.name);
  const seen = new Set<string>(pending);
  while (pending.length > 0) {
    const node = producers.get(pending.pop()!);
    if (!node || live.has(node)) continue;
    live.add(node);
    for (const input of node.inputs) {
      if (input !== '' && !seen.has(input)) {
        seen.add(input);
        pending.push(input);
      }
    }
  }

  const removedValues = new Set<string>();
  for (const node of g.nodes) if (!live.has(node)) for (const out of node.outputs) if (out !== '') removedValues.add(out);
  g.nodes = g.nodes.filter((n) => live.has(n));

  const read = new Set<string>(g.outputs.map((o) => o.name));
  for (const node of g.nodes) for (const input of node.inputs) read.add(input);
  for (const name of [...g.constants.keys()]) {
    if (!read.has(name)) {
      g.constants.delete(name);
      removedValues.add(name);
    }
  }
  const inputs = new Set(g.inputs.map((i) => i.name));
  for (const name of removedValues) if (!inputs.has(name) && !read.has(name)) g.types.delete(name);
}
