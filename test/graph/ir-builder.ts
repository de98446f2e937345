// Builds IrGraphs by hand for the graph tests (shape rules, folding, errors), without ONNX protos.
import type { IrGraph, IrNode } from '../../lib/graph/ir.js';
import type { AttributeValue, InitializerTensor, OnnxDim, OnnxElemType, TensorData } from '../../lib/onnx/model.js';

export const attr = {
  int: (value: number | bigint): AttributeValue => ({ type: 'int', value }),
  ints: (value: (number | bigint)[]): AttributeValue => ({ type: 'ints', value }),
  float: (value: number): AttributeValue => ({ type: 'float', value }),
  floats: (value: number[]): AttributeValue => ({ type: 'floats', value }),
  string: (value: string): AttributeValue => ({ type: 'string', value }),
  tensor: (value: InitializerTensor): AttributeValue => ({ type: 'tensor', value }),
};

export function i64(values: (number | bigint)[], dims: number[] = [values.length]): InitializerTensor {
  return { name: '', type: 'int64', dims, data: BigInt64Array.from(values, (v) => BigInt(v)) };
}
export function f32(values: number[], dims: number[] = [values.length]): InitializerTensor {
  return { name: '', type: 'float32', dims, data: Float32Array.from(values) };
}
export function i32(values: number[], dims: number[] = [values.length]): InitializerTensor {
  return { name: '', type: 'int32', dims, data: Int32Array.from(values) };
}
export function tensor(type: OnnxElemType, dims: number[], data: TensorData): InitializerTensor {
  return { name: '', type, dims, data };
}

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, AttributeValue>;
  name?: string;
  domain?: string;
  opset?: number;
}

export interface GraphSpec {
  opset?: number;
  inputs?: Record<string, [OnnxElemType, OnnxDim[] | null]>;
  constants?: Record<string, InitializerTensor>;
  nodes: NodeSpec[];
  /** Default: the outputs of the last node. */
  outputs?: string[];
}

export function makeGraph(spec: GraphSpec): IrGraph {
  const opset = spec.opset ?? 17;
  const g: IrGraph = { inputs: [], outputs: [], nodes: [], constants: new Map(), types: new Map(), opsets: new Map([['', opset]]), nextId: 0 };
  for (const [name, [elemType, shape]] of Object.entries(spec.inputs ?? {})) {
    g.inputs.push({ name, type: { elemType, shape } });
    g.types.set(name, { elemType, shape: shape && [...shape] });
  }
  for (const [name, t] of Object.entries(spec.constants ?? {})) {
    g.constants.set(name, { ...t, name });
    g.types.set(name, { elemType: t.type, shape: [...t.dims] });
  }
  spec.nodes.forEach((n, i) => {
    const node: IrNode = {
      id: g.nextId++,
      opType: n.op,
      domain: n.domain ?? '',
      name: n.name ?? `${n.op}_${i}`,
      opset: n.opset ?? opset,
      inputs: n.inputs,
      outputs: n.outputs,
      attributes: new Map(Object.entries(n.attrs ?? {})),
    };
    g.nodes.push(node);
  });
  const outputs = spec.outputs ?? spec.nodes[spec.nodes.length - 1]?.outputs ?? [];
  for (const name of outputs) g.outputs.push({ name, type: { elemType: 'undefined', shape: null } });
  return g;
}
