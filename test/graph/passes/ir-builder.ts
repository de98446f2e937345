// Hand-built IrGraphs for the pass and scheduling tests: concise node/constant/type builders.
import type { AttributeValue, InitializerTensor, OnnxDim, OnnxElemType, TensorData } from '../../../lib/onnx/model.js';
import type { IrGraph, IrNode } from '../../../lib/graph/ir.js';

export type Attrs = Record<string, AttributeValue>;

export const int = (value: number | bigint): AttributeValue => ({ type: 'int', value });
export const float = (value: number): AttributeValue => ({ type: 'float', value });
export const str = (value: string): AttributeValue => ({ type: 'string', value });
export const ints = (value: (number | bigint)[]): AttributeValue => ({ type: 'ints', value });
export const floats = (value: number[]): AttributeValue => ({ type: 'floats', value });

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Attrs;
  name?: string;
  domain?: string;
  opset?: number;
}

export const n = (op: string, inputs: string[], outputs: string[], attrs: Attrs = {}, extra: Partial<NodeSpec> = {}): NodeSpec => ({
  op,
  inputs,
  outputs,
  attrs,
  ...extra,
});

export function tensor(name: string, type: OnnxElemType, dims: number[], data: TensorData): InitializerTensor {
  return { name, type, dims, data };
}

export function f32(name: string, dims: number[], values?: ArrayLike<number>): InitializerTensor {
  const count = dims.reduce((a, b) => a * b, 1);
  return tensor(name, 'float32', dims, values ? Float32Array.from(values) : new Float32Array(count));
}

export function i64(name: string, dims: number[], values: (number | bigint)[]): InitializerTensor {
  return tensor(name, 'int64', dims, BigInt64Array.from(values, (v) => BigInt(v)));
}

export interface GraphSpec {
  /** name → shape (float32 unless given). */
  inputs: [string, OnnxDim[], OnnxElemType?][];
  outputs: string[];
  nodes: NodeSpec[];
  constants?: InitializerTensor[];
  /** Types of intermediate values (and outputs): name → [shape, elemType]. */
  types?: Record<string, [OnnxDim[] | null, OnnxElemType?]>;
  opset?: number;
}

export function buildGraph(spec: GraphSpec): IrGraph {
  const opset = spec.opset ?? 17;
  const types = new Map<string, { elemType: OnnxElemType; shape: OnnxDim[] | null }>();
  for (const [name, shape, elemType] of spec.inputs) types.set(name, { elemType: elemType ?? 'float32', shape });
  for (const c of spec.constants ?? []) types.set(c.name, { elemType: c.type, shape: [...c.dims] });
  for (const [name, [shape, elemType]] of Object.entries(spec.types ?? {})) types.set(name, { elemType: elemType ?? 'float32', shape });
  let nextId = 0;
  const nodes: IrNode[] = spec.nodes.map((s, i) => ({
    id: nextId++,
    opType: s.op,
    domain: s.domain ?? '',
    name: s.name ?? `${s.op}_${i}`,
    opset: s.opset ?? opset,
    inputs: [...s.inputs],
    outputs: [...s.outputs],
    attributes: new Map(Object.entries(s.attrs ?? {})),
  }));
  return {
    inputs: spec.inputs.map(([name]) => ({ name, type: types.get(name)! })),
    outputs: spec.outputs.map((name) => ({ name, type: types.get(name) ?? { elemType: 'float32', shape: null } })),
    nodes,
    constants: new Map((spec.constants ?? []).map((c) => [c.name, c])),
    types,
    opsets: new Map([['', opset]]),
    nextId,
  };
}

export function nodeNamed(g: IrGraph, name: string): IrNode {
  const node = g.nodes.find((x) => x.name === name);
  if (!node) throw new Error(`no node '${name}'`);
  return node;
}

export function opTypes(g: IrGraph): string[] {
  return g.nodes.map((x) => x.opType);
}

/** Deep copy (structuredClone keeps Maps, typed arrays and bigints). */
export function copyGraph(g: IrGraph): IrGraph {
  return structuredClone(g);
}
