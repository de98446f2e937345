/**
 * composeLookups: two QLinearLookup tables in a row are one table, exactly (entry b of the result is
 * t2[t1[b]]): a function chain such as the hard-swish of a model exported as Add → Clip → Div, each
 * quantized, then reads and writes the tensor once instead of three times. Only where the first
 * table's output has no other reader and is not a graph output.
 */
import type { IrGraph, IrNode } from '../ir.js';
import { consumerIndex, graphOutputNames, isLookup, producerIndex, removeNodes } from './graph-queries.js';
import { composeTables } from './lookup-tables.js';

export function composeLookups(g: IrGraph): void {
  const producers = producerIndex(g);
  const uses = consumerIndex(g);
  const outputs = graphOutputNames(g);
  const dead = new Set<IrNode>();
  for (const second of g.nodes) {
    if (!isLookup(second)) continue;
    const first = producers.get(second.inputs[0] ?? '');
    const mid = second.inputs[0] ?? '';
    if (!isLookup(first) || dead.has(first) || outputs.has(mid) || (uses.get(mid) ?? []).length !== 1) continue;
    const t1 = g.constants.get(first.inputs[1] ?? '');
    const t2 = g.constants.get(second.inputs[1] ?? '');
    if (!t1 || !t2 || t1.data.length !== 256 || t2.data.length !== 256) continue;
    const composed = composeTables(t1.data as Uint8Array | Int8Array, t2.data as Uint8Array | Int8Array);
    const name = `${second.inputs[1]}_after_${first.inputs[1]}`;
    g.constants.set(name, { name, type: t2.type, dims: [256], data: composed });
    g.types.set(name, { elemType: t2.type, shape: [256] });
    second.inputs = [first.inputs[0]!, name];
    producers.set(second.outputs[0]!, second);
    dead.add(first);
    g.types.delete(mid);
  }
  removeNodes(g, dead);
}
