/**
 * writeModel: an IR graph (lib/graph) back to ONNX bytes, every constant as an initializer, at one
 * ai.onnx opset (at least the model's own). A node read at an older opset whose form changed is
 * written in the target opset's form: Slice (starts/ends/axes as inputs from 10), Clip (min/max from
 * 11), Pad (pads from 11), Squeeze / Unsqueeze / ReduceSum axes and Split's sizes (inputs from 13),
 * Upsample (→ Resize), Softmax / LogSoftmax / Hardmax before 13 (over the flattened trailing axes:
 * Flatten, the operator on the last axis, Reshape back). Used by quantization to export the optimised float graph with Q/DQ added.
 */
import type { onnx as P } from 'onnx-proto';
import type { IrGraph, IrNode } from '../graph/ir.js';
import type { AttributeValue, InitializerTensor, OnnxElemType } from './model.js';
import { onnx } from './proto.js';

const DT = onnx.TensorProto.DataType;
const AT = onnx.AttributeProto.AttributeType;

const TYPE_CODES: Partial<Record<OnnxElemType, number>> = {
  float32: DT.FLOAT, uint8: DT.UINT8, int8: DT.INT8, uint16: DT.UINT16, int16: DT.INT16, int32: DT.INT32, int64: DT.INT64,
  bool: DT.BOOL, float16: DT.FLOAT16, float64: DT.DOUBLE, uint32: DT.UINT32, uint64: DT.UINT64, bfloat16: DT.BFLOAT16,
};

function typeCode(t: OnnxElemType, where: string): number {
  const code = TYPE_CODES[t];
  if (code === undefined) throw new TypeError(`writeModel: ${where} has element type ${t}, which cannot be written`);
  return code;
}

export function tensorProto(t: InitializerTensor, name = t.name): P.ITensorProto {
  if (Array.isArray(t.data)) throw new TypeError(`writeModel: string tensor '${name}' cannot be written`);
  const data = t.data as ArrayBufferView;
  return { name, dataType: typeCode(t.type, `tensor '${name}'`), dims: [...t.dims], rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice() };
}

function attributeProto(name: string, a: AttributeValue, where: string): P.IAttributeProto {
  switch (a.type) {
    case 'float': return { name, type: AT.FLOAT, f: a.value };
    case 'int': return { name, type: AT.INT, i: Number(a.value) };
    case 'string': return { name, type: AT.STRING, s: new TextEncoder().encode(a.value) };
    case 'floats': return { name, type: AT.FLOATS, floats: a.value };
    case 'ints': return { name, type: AT.INTS, ints: a.value.map(Number) };
    case 'strings': return { name, type: AT.STRINGS, strings: a.value.map((s) => new TextEncoder().encode(s)) };
    case 'tensor': return { name, type: AT.TENSOR, t: tensorProto(a.value) };
    case 'tensors': return { name, type: AT.TENSORS, tensors: a.value.map((t) => tensorProto(t)) };
    default: throw new TypeError(`writeModel: ${where}: attribute '${name}' of kind ${a.type} cannot be written`);
  }
}

function valueInfo(name: string, t: { elemType: OnnxElemType; shape: (number | string | null)[] | null }): P.IValueInfoProto {
  const tensorType: P.TypeProto.ITensor = { elemType: typeCode(t.elemType, `value '${name}'`) };
  if (t.shape) tensorType.shape = { dim: t.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : typeof d === 'string' ? { dimParam: d } : {})) };
  return { name, type: { tensorType } };
}

/** Rewrites nodes into the target opset's forms; new constant inputs go to `addConstant`. */
class FormUpgrader {
  constructor(
    private readonly target: number,
    private readonly addConstant: (base: string, data: BigInt64Array | Float32Array, dims: number[]) => string,
    private readonly fresh: (base: string) => string,
  ) {}

  upgrade(node: IrNode): IrNode[] {
    if (node.domain !== '' && node.domain !== 'ai.onnx') return [node];
    const attrs = new Map(node.attributes);
    const ints = (name: string) => {
      const a = attrs.get(name);
      attrs.delete(name);
      return a?.type === 'ints' ? a.value.map((v) => BigInt(v)) : undefined;
    };
    const float = (name: string) => {
      const a = attrs.get(name);
      attrs.delete(name);
      return a?.type === 'float' ? a.value : undefined;
    };
    const i64 = (base: string, v: bigint[]) => this.addConstant(`${node.name}_${base}`, BigInt64Array.from(v), [v.length]);
    const f32 = (base: string, v: number) => this.addConstant(`${node.name}_${base}`, Float32Array.of(v), []);
    const inputs = [...node.inputs];
    const at = (op: string, since: number) => node.opType === op && node.opset < since && this.target >= since;
    if (at('Slice', 10)) {
      const starts = ints('starts')!, ends = ints('ends')!, axes = ints('axes');
      inputs.splice(1, inputs.length, i64('starts', starts), i64('ends', ends), ...(axes ? [i64('axes', axes)] : []));
    } else if (at('Clip', 11)) {
      const min = float('min'), max = float('max');
      inputs.splice(1, inputs.length, min === undefined ? '' : f32('min', min), max === undefined ? '' : f32('max', max));
    } else if (at('Pad', 11)) {
      const pads = ints('pads') ?? ints('paddings')!;
      const value = float('value');
      inputs.splice(1, inputs.length, i64('pads', pads), ...(value !== undefined && value !== 0 ? [f32('value', value)] : []));
    } else if (at('Squeeze', 13) || at('Unsqueeze', 13) || at('ReduceSum', 13)) {
      const axes = ints('axes');
      if (axes) inputs.splice(1, inputs.length, i64('axes', axes));
    } else if (at('Split', 13)) {
      const split = ints('split');
      if (split) inputs.splice(1, inputs.length, i64('split', split));
    } else if (node.opType === 'Upsample' && this.target >= 10) {
      const mode = attrs.get('mode');
      const scales = node.opset < 9 ? attrs.get('scales') : undefined;
      attrs.delete('scales');
      const nearest = !mode || (mode.type === 'string' && mode.value === 'nearest');
      attrs.set('coordinate_transformation_mode', { type: 'string', value: 'asymmetric' });
      if (nearest) attrs.set('nearest_mode', { type: 'string', value: 'floor' });
      const scaleInput = scales?.type === 'floats' ? this.addConstant(`${node.name}_scales`, Float32Array.from(scales.value), [scales.value.length]) : inputs[1]!;
      return [{ ...node, opType: 'Resize', opset: this.target, inputs: [inputs[0]!, '', scaleInput], attributes: attrs }];
    } else if (['Softmax', 'LogSoftmax', 'Hardmax'].includes(node.opType) && node.opset < 13 && this.target >= 13) {
      // Before 13 the operator normalised over the flattened axes [axis, rank): written as Flatten at
      // that axis, the operator over the last axis of the 2-D result, and a Reshape back.
      const axis = attrs.get('axis');
      const value = axis?.type === 'int' ? Number(axis.value) : 1;
      if (value === -1) return [{ ...node, opset: this.target, attributes: attrs }];
      const shape = this.fresh(`${node.name}_shape`), flat = this.fresh(`${node.name}_flat`), result = this.fresh(`${node.name}_2d`);
      const piece = (opType: string, ins: string[], outs: string[], a: [string, AttributeValue][] = []): IrNode => ({
        id: node.id, name: this.fresh(`${node.name}_${opType}`), opType, domain: '', opset: this.target, inputs: ins, outputs: outs, attributes: new Map(a),
      });
      return [
        piece('Shape', [inputs[0]!], [shape]),
        piece('Flatten', [inputs[0]!], [flat], [['axis', { type: 'int', value }]]),
        { ...node, opset: this.target, inputs: [flat], outputs: [result], attributes: new Map([['axis', { type: 'int', value: -1 }]]) },
        piece('Reshape', [result, shape], [node.outputs[0]!]),
      ];
    } else if (at('Dropout', 12)) {
      attrs.delete('ratio');
    }
    return [{ ...node, opset: this.target, inputs, attributes: attrs }];
  }
}

export function writeModel(g: IrGraph, options: { opset: number; producerName?: string }): Uint8Array {
  const initializers: P.ITensorProto[] = [];
  const taken = new Set<string>([...g.constants.keys(), ...g.types.keys(), ...g.nodes.flatMap((n) => [...n.inputs, ...n.outputs, n.name])]);
  const fresh = (base: string): string => {
    let name = base;
    for (let k = 2; taken.has(name); k++) name = `${base}_${k}`;
    taken.add(name);
    return name;
  };
  const addConstant = (base: string, data: BigInt64Array | Float32Array, dims: number[]): string => {
    const name = fresh(base);
    initializers.push(tensorProto({ name, type: data instanceof BigInt64Array ? 'int64' : 'float32', dims, data }));
    return name;
  };
  for (const [name, t] of g.constants) initializers.push(tensorProto(t, name));
  const upgrader = new FormUpgrader(options.opset, addConstant, fresh);
  const nodes: P.INodeProto[] = g.nodes.flatMap((original) =>
    upgrader.upgrade(original).map((n) => ({
      name: n.name,
      opType: n.opType,
      domain: n.domain,
      input: n.inputs,
      output: n.outputs,
      attribute: [...n.attributes].map(([name, a]) => attributeProto(name, a, `node '${n.name}'`)),
    })),
  );
  const domains = new Map<string, number>([['', options.opset]]);
  for (const [d, v] of g.opsets) if (d !== '' && d !== 'ai.onnx') domains.set(d, v);
  const model: P.IModelProto = {
    irVersion: 8,
    producerName: options.producerName ?? 'octet',
    opsetImport: [...domains].map(([domain, version]) => ({ domain, version })),
    graph: {
      name: 'graph',
      node: nodes,
      initializer: initializers,
      input: g.inputs.map((i) => valueInfo(i.name, i.type)),
      output: g.outputs.map((o) => valueInfo(o.name, o.type)),
    },
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model as never)).finish();
}
