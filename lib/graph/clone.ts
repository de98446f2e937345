/**
 * cloneGraph(): a copy of an IrGraph that passes can edit freely (nodes, their input/output lists and
 * attributes, types, the constant table, inputs/outputs) without touching the original. Constant
 * tensors and tensor/graph attribute values are shared: they are never modified in place.
 */
import type { AttributeValue } from '../onnx/model.js';
import type { IrGraph, IrNode, IrValueType } from './ir.js';

function cloneType(t: IrValueType): IrValueType {
  return { elemType: t.elemType, shape: t.shape ? [...t.shape] : null };
}

function cloneAttribute(a: AttributeValue): AttributeValue {
  switch (a.type) {
    case 'ints': return { type: 'ints', value: [...a.value] };
    case 'floats': return { type: 'floats', value: [...a.value] };
    case 'strings': return { type: 'strings', value: [...a.value] };
    case 'tensors': return { type: 'tensors', value: [...a.value] };
    case 'graphs': return { type: 'graphs', value: [...a.value] };
    default: return { ...a } as AttributeValue;
  }
}

function cloneNode(n: IrNode): IrNode {
  return {
    id: n.id,
    opType: n.opType,
    domain: n.domain,
    name: n.name,
    opset: n.opset,
    inputs: [...n.inputs],
    outputs: [...n.outputs],
    attributes: new Map([...n.attributes].map(([k, v]) => [k, cloneAttribute(v)])),
  };
}

export function cloneGraph(g: IrGraph): IrGraph {
  return {
    inputs: g.inputs.map((v) => ({ name: v.name, type: cloneType(v.type) })),
    outputs: g.outputs.map((v) => ({ name: v.name, type: cloneType(v.type) })),
    nodes: g.nodes.map(cloneNode),
    constants: new Map(g.constants),
    types: new Map([...g.types].map(([k, t]) => [k, cloneType(t)])),
    opsets: new Map(g.opsets),
    nextId: g.nextId,
  };
}
