/**
 * Writes the QDQ model: the float model's protobuf with, for every planned activation, a
 * QuantizeLinear → DequantizeLinear pair after its producer that quantized readers (and float readers
 * of a quantized node's output) read through; int8
 * weights and int32 biases behind DequantizeLinear in place of the float constants. Nodes stay in
 * topological order (ONNX requires it); names never collide with the model's.
 */
import type { onnx as P } from 'onnx-proto';
import { onnxProto as onnx } from '../onnx/index.js';
import type { QuantizationPlan } from './quantization-plan.js';
import type { QParams } from './qparams.js';

const DT = onnx.TensorProto.DataType;

export interface QuantizedWeight {
  name: string;
  data: Int8Array;
  dims: number[];
  scales: Float32Array;
  axis: number;
}

export interface QuantizedBias {
  name: string;
  data: Int32Array;
  scales: Float32Array;
}

function tensor(name: string, dataType: number, dims: number[], data: ArrayBufferView): P.ITensorProto {
  return { name, dataType, dims, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

export function writeQdqModel(
  model: P.IModelProto,
  plan: QuantizationPlan,
  activations: Map<string, QParams>,
  weights: QuantizedWeight[],
  biases: QuantizedBias[],
): { bytes: Uint8Array; dequantized: Map<string, string> } {
  const graph = model.graph!;
  const taken = new Set<string>();
  for (const t of graph.initializer ?? []) taken.add(t.name ?? '');
  for (const v of [...(graph.input ?? []), ...(graph.output ?? []), ...(graph.valueInfo ?? [])]) taken.add(v.name ?? '');
  for (const n of graph.node ?? []) for (const v of [...(n.input ?? []), ...(n.output ?? []), n.name ?? '']) taken.add(v);
  const fresh = (base: string) => {
    let name = base;
    for (let k = 2; taken.has(name); k++) name = `${base}_${k}`;
    taken.add(name);
    return name;
  };

  const initializers: P.ITensorProto[] = [];
  const dequantized = new Map<string, string>();  // float value → the DQ output quantized readers use
  const head: P.INodeProto[] = [];
  const after = new Map<string, P.INodeProto[]>();  // producer output → the Q/DQ nodes following it

  for (const [name, q] of activations) {
    const scale = fresh(`${name}_scale`), zp = fresh(`${name}_zero_point`), qv = fresh(`${name}_quantized`), dq = fresh(`${name}_dequantized`);
    initializers.push(tensor(scale, DT.FLOAT, [], Float32Array.of(q.scale)));
    initializers.push(tensor(zp, q.type === 'int8' ? DT.INT8 : DT.UINT8, [], q.type === 'int8' ? Int8Array.of(q.zeroPoint) : Uint8Array.of(q.zeroPoint)));
    const pair: P.INodeProto[] = [
      { name: fresh(`${name}_QuantizeLinear`), opType: 'QuantizeLinear', input: [name, scale, zp], output: [qv] },
      { name: fresh(`${name}_DequantizeLinear`), opType: 'DequantizeLinear', input: [qv, scale, zp], output: [dq] },
    ];
    dequantized.set(name, dq);
    after.set(name, pair);
  }
  const removed = new Set<string>();
  const axisAttr = (axis: number): P.IAttributeProto[] => (axis >= 0 ? [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: axis }] : []);
  for (const w of weights) {
    const q = fresh(`${w.name}_quantized`), scale = fresh(`${w.name}_scale`), zp = fresh(`${w.name}_zero_point`), dq = fresh(`${w.name}_dequantized`);
    initializers.push(tensor(q, DT.INT8, w.dims, w.data));
    initializers.push(tensor(scale, DT.FLOAT, w.axis >= 0 ? [w.scales.length] : [], w.scales));
    initializers.push(tensor(zp, DT.INT8, w.axis >= 0 ? [w.scales.length] : [], new Int8Array(w.scales.length)));
    head.push({ name: fresh(`${w.name}_DequantizeLinear`), opType: 'DequantizeLinear', input: [q, scale, zp], output: [dq], attribute: axisAttr(w.axis) });
    dequantized.set(w.name, dq);
    removed.add(w.name);
  }
  for (const b of biases) {
    const q = fresh(`${b.name}_quantized`), scale = fresh(`${b.name}_scale`), dq = fresh(`${b.name}_dequantized`);
    initializers.push(tensor(q, DT.INT32, [b.data.length], b.data));
    initializers.push(tensor(scale, DT.FLOAT, [b.scales.length], b.scales));
    head.push({ name: fresh(`${b.name}_DequantizeLinear`), opType: 'DequantizeLinear', input: [q, scale], output: [dq], attribute: axisAttr(b.scales.length > 1 ? 0 : -1) });
    dequantized.set(b.name, dq);
    removed.add(b.name);
  }

  // Graph inputs' pairs go first; each other pair right after the node producing its value.
  const nodes: P.INodeProto[] = [...head];
  for (const input of graph.input ?? []) nodes.push(...(after.get(input.name ?? '') ?? []));
  // Quantized nodes read every quantized value through its pair. A float node (no int8 form) reads
  // through it the values a quantized node wrote: that producer then runs as int8 and its output
  // exists only as bytes, so the float node gets the Q/DQ fallback; read from the float original,
  // the producer would have to stay float for it (a PaddleOCR det head's Conv + Relu ran in float
  // for the ConvTranspose after it). Values float nodes wrote stay float for float readers.
  const byQuantizedNode = new Set<string>();
  (graph.node ?? []).forEach((n, k) => {
    if (plan.quantizedNodes.has(k)) for (const o of n.output ?? []) byQuantizedNode.add(o);
  });
  (graph.node ?? []).forEach((n, k) => {
    const reads = (v: string) => (plan.quantizedNodes.has(k) || byQuantizedNode.has(v) ? (dequantized.get(v) ?? v) : v);
    const rewired = { ...n, input: (n.input ?? []).map(reads) };
    nodes.push(rewired);
    for (const o of n.output ?? []) nodes.push(...(after.get(o) ?? []));
  });
  // A float weight no float reader needs any more is dropped (the int8 copy replaces it).
  const stillRead = new Set<string>();
  for (const n of nodes) for (const v of n.input ?? []) stillRead.add(v);
  const kept = (graph.initializer ?? []).filter((t) => !removed.has(t.name ?? '') || stillRead.has(t.name ?? ''));

  // The opset stays the model's (the planner checked it has QuantizeLinear, and per-channel weights
  // only from opset 13): raising it could change what other operators mean.
  const out: P.IModelProto = {
    ...model,
    producerName: 'octet',
    graph: { ...graph, node: nodes, initializer: [...kept, ...initializers] },
  };
  return { bytes: onnx.ModelProto.encode(onnx.ModelProto.create(out as never)).finish(), dequantized };
}
