/**
 * removeIdentities: Identity, and Dropout at inference, compute nothing; their readers read the input
 * instead. Graph output names are the model's, so when the bypassed value is a graph output the
 * producer of the input is renamed to write it; when that is impossible (the input is a graph input,
 * a constant or another output) the node stays and native copies.
 */
import type { IrGraph, IrNode } from '../ir.js';
import { consumerIndex, graphInputNames, graphOutputNames, isOnnxDomain, producerIndex, removeNodes, renameUses } from './graph-queries.js';

/** Dropout is a no-op unless training_mode is set; a non-constant training_mode keeps the node. */
function dropoutIsNoOp(g: IrGraph, node: IrNode): boolean {
  const mode = node.inputs[2] ?? '';
  if (mode === '') return true;
  const t = g.constants.get(mode);
  if (!t || Array.isArray(t.data) || t.data.length !== 1) return false;
  return Number(t.data[0]) === 0;
}

export function removeIdentities(g: IrGraph): void {
  const outputs = graphOutputNames(g);
  const inputs = graphInputNames(g);
  const producers = producerIndex(g);
  const dead = new Set<IrNode>();
  for (const node of g.nodes) {
    if (!isOnnxDomain(node) || (node.opType !== 'Identity' && node.opType !== 'Dropout')) continue;
    const x = node.inputs[0] ?? '';
    const y = node.outputs[0] ?? '';
    if (x === '' || y === '') continue;
    if (node.opType === 'Dropout') {
      const mask = node.outputs[1] ?? '';
      // Consumers are looked up afresh: earlier removals in this loop renamed reads.
      if (mask !== '' && (outputs.has(mask) || consumerIndex(g).has(mask))) continue;
      if (!dropoutIsNoOp(g, node)) continue;
    }
    if (outputs.has(y)) {
      const producer = producers.get(x);
      if (!producer || inputs.has(x) || outputs.has(x) || g.constants.has(x)) continue;
      // The producer writes y directly; every reader of x reads y.
      producer.outputs = producer.outputs.map((o) => (o === x ? y : o));
      producers.delete(x);
      producers.set(y, producer);
      renameUses(g, x, y);
      if (!g.types.has(y) && g.types.has(x)) g.types.set(y, g.types.get(x)!);
      g.types.delete(x);
    } else {
      renameUses(g, y, x);
      g.types.delete(y);
      producers.delete(y);
    }
    for (const extra of node.outputs.slice(1)) if (extra !== '') g.types.delete(extra);
    dead.add(node);
  }
  removeNodes(g, dead);
}
