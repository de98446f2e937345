/**
 * Builds small ONNX models in tests (encoded with onnx-proto), so graph and session tests need no
 * Python: `model({ inputs, outputs, nodes, initializers })` → the model's bytes.
 */
import { onnxProto as onnx } from '../../lib/onnx/index.js';

export const DT = onnx.TensorProto.DataType;

export type Dim = number | string | null;

export interface NodeDef {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  domain?: string;
  attrs?: Record<string, number | number[] | string | string[] | { floats: number[] } | { float: number }>;
}

export interface ModelDef {
  inputs: [name: string, elemType: number, dims: Dim[]][];
  outputs: [name: string, elemType: number, dims: Dim[] | null][];
  nodes: NodeDef[];
  initializers?: { name: string; type: number; dims: number[]; data: ArrayBufferView }[];
  opset?: number;
}

function valueInfo(name: string, elemType: number, dims: Dim[] | null): Record<string, unknown> {
  const tensorType: Record<string, unknown> = { elemType };
  if (dims) tensorType.shape = { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : typeof d === 'string' ? { dimParam: d } : {})) };
  return { name, type: { tensorType } };
}

function attribute(name: string, v: NonNullable<NodeDef['attrs']>[string]): Record<string, unknown> {
  if (typeof v === 'number') return Number.isInteger(v) ? { name, type: 2, i: v } : { name, type: 1, f: v };
  if (typeof v === 'string') return { name, type: 3, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x === 'number')) return { name, type: 7, ints: v };
    return { name, type: 8, strings: (v as string[]).map((s) => new TextEncoder().encode(s)) };
  }
  if ('floats' in v) return { name, type: 6, floats: v.floats };
  return { name, type: 1, f: v.float };
}

export function model(def: ModelDef): Uint8Array {
  const proto = {
    irVersion: 8,
    producerName: 'octet-test',
    // Every other domain a node uses is imported at version 1 (com.microsoft's contrib operators).
    opsetImport: [{ domain: '', version: def.opset ?? 17 }, ...[...new Set(def.nodes.map((n) => n.domain ?? '').filter((d) => d !== ''))].map((domain) => ({ domain, version: 1 }))],
    graph: {
      name: 'test',
      input: def.inputs.map(([n, t, d]) => valueInfo(n, t, d)),
      output: def.outputs.map(([n, t, d]) => valueInfo(n, t, d)),
      initializer: (def.initializers ?? []).map((i) => ({
        name: i.name,
        dataType: i.type,
        dims: i.dims,
        rawData: new Uint8Array(i.data.buffer, i.data.byteOffset, i.data.byteLength),
      })),
      node: def.nodes.map((n, k) => ({
        name: n.name ?? `${n.op.toLowerCase()}_${k}`,
        opType: n.op,
        domain: n.domain ?? '',
        input: n.inputs,
        output: n.outputs,
        attribute: Object.entries(n.attrs ?? {}).map(([name, v]) => attribute(name, v)),
      })),
    },
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(proto as never)).finish();
}
