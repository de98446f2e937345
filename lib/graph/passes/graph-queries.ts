/**
 * Read-only questions the passes ask about an IrGraph (who produces a value, who reads it, is it a
 * graph output, which names are taken) and small helpers to read constants. Indexes are snapshots:
 * a pass that edits the graph builds them again (or keeps them current itself).
 */
import type { AttributeValue, InitializerTensor, OnnxElemType } from '../../onnx/model.js';
import type { IrGraph, IrNode } from '../ir.js';

/** The node writing each value (graph inputs and constants have none). */
export function producerIndex(g: IrGraph): Map<string, IrNode> {
  const producers = new Map<string, IrNode>();
  for (const node of g.nodes) for (const out of node.outputs) if (out !== '') producers.set(out, node);
  return producers;
}

/** One entry per (node, input position) that reads the value; a node reading it twice appears twice. */
export interface ValueUse {
  node: IrNode;
  index: number;
}

export function consumerIndex(g: IrGraph): Map<string, ValueUse[]> {
  const uses = new Map<string, ValueUse[]>();
  for (const node of g.nodes) {
    node.inputs.forEach((name, index) => {
      if (name === '') return;
      let list = uses.get(name);
      if (!list) uses.set(name, (list = []));
      list.push({ node, index });
    });
  }
  return uses;
}

export function graphOutputNames(g: IrGraph): Set<string> {
  return new Set(g.outputs.map((o) => o.name));
}

export function graphInputNames(g: IrGraph): Set<string> {
  return new Set(g.inputs.map((i) => i.name));
}

/** Every name in use anywhere in the graph, so new values and nodes never collide with the model's. */
export class NameAllocator {
  readonly #taken = new Set<string>();

  constructor(g: IrGraph) {
    for (const i of g.inputs) this.#taken.add(i.name);
    for (const o of g.outputs) this.#taken.add(o.name);
    for (const name of g.constants.keys()) this.#taken.add(name);
    for (const name of g.types.keys()) this.#taken.add(name);
    for (const node of g.nodes) {
      this.#taken.add(node.name);
      for (const v of node.inputs) this.#taken.add(v);
      for (const v of node.outputs) this.#taken.add(v);
    }
  }

  /** `base` itself when free, else `base_2`, `base_3`, ...; the result is reserved. */
  fresh(base: string): string {
    let name = base;
    for (let k = 2; this.#taken.has(name); ++k) name = `${base}_${k}`;
    this.#taken.add(name);
    return name;
  }
}

/** The graph's ai.onnx opset, for nodes a pass creates. */
export function onnxOpset(g: IrGraph): number {
  return g.opsets.get('') ?? g.opsets.get('ai.onnx') ?? 7;
}

export function isOnnxDomain(node: IrNode): boolean {
  return node.domain === '' || node.domain === 'ai.onnx';
}

export function newNode(g: IrGraph, fields: Omit<IrNode, 'id' | 'attributes'> & { attributes?: Map<string, AttributeValue> }): IrNode {
  return { id: g.nextId++, ...fields, attributes: fields.attributes ?? new Map() };
}

export function intAttribute(node: IrNode, name: string, fallback: number): number {
  const a = node.attributes.get(name);
  if (a?.type === 'int') return Number(a.value);
  return fallback;
}

export function floatAttribute(node: IrNode, name: string, fallback: number): number {
  const a = node.attributes.get(name);
  if (a?.type === 'float') return a.value;
  if (a?.type === 'int') return Number(a.value); // exporters sometimes write alpha=1 as an int
  return fallback;
}

export function elementCount(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/** A constant's elements as float64 numbers (float and integer data; null for strings and raw 16-bit floats). */
export function constantNumbers(t: InitializerTensor): number[] | null {
  if (Array.isArray(t.data)) return null;
  if (t.type === 'float16' || t.type === 'bfloat16' || t.type.startsWith('float8')) return null;
  return Array.from(t.data as ArrayLike<number | bigint>, (v) => Number(v));
}

/** The value of a one-element float32 constant, or null. */
export function scalarFloat32(g: IrGraph, name: string): number | null {
  const t = g.constants.get(name);
  if (!t || t.type !== 'float32' || !(t.data instanceof Float32Array) || t.data.length !== 1) return null;
  return t.data[0]!;
}

/** Concrete numeric shape of a value from g.types (or its constant), or null when not fully known. */
export function concreteShape(g: IrGraph, name: string): number[] | null {
  const c = g.constants.get(name);
  if (c) return [...c.dims];
  const shape = g.types.get(name)?.shape;
  if (!shape || !shape.every((d): d is number => typeof d === 'number')) return null;
  return shape as number[];
}

// Operators whose output has the element type of their first input: enough to learn, before shape
// inference, that a MatMul computes in float32 when its operands come out of a float Conv chain.
const TYPE_PRESERVING = new Set([
  'Conv', 'ConvTranspose', 'Gemm', 'MatMul', 'BatchNormalization', 'InstanceNormalization', 'LayerNormalization',
  'Relu', 'LeakyRelu', 'Elu', 'Selu', 'Celu', 'PRelu', 'Clip', 'Sigmoid', 'HardSigmoid', 'HardSwish', 'Tanh', 'Erf',
  'Gelu', 'Exp', 'Log', 'Sqrt', 'Abs', 'Neg', 'Reciprocal', 'Floor', 'Ceil', 'Round', 'Softplus', 'Softsign', 'Mish',
  'Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min', 'Sum', 'Mean', 'Softmax', 'LogSoftmax', 'MaxPool', 'AveragePool',
  'GlobalAveragePool', 'GlobalMaxPool', 'Concat', 'Split', 'Slice', 'Gather', 'Reshape', 'Flatten', 'Transpose',
  'Squeeze', 'Unsqueeze', 'Expand', 'Tile', 'Pad', 'Resize', 'Identity', 'Dropout', 'ReduceMean', 'ReduceSum',
  'ReduceMax', 'ReduceMin', 'DepthToSpace', 'SpaceToDepth',
]);

// Operators whose output takes the type of one of their inputs (a zero point or a table), by index,
// and the type when that optional input is absent.
const TYPE_FROM_INPUT = new Map<string, { input: number; absent: OnnxElemType | null }>([
  [':QuantizeLinear', { input: 2, absent: 'uint8' }],
  [':QLinearConv', { input: 7, absent: null }],
  [':QLinearMatMul', { input: 7, absent: null }],
  ['com.microsoft:QLinearAdd', { input: 7, absent: 'uint8' }],
  ['com.microsoft:QLinearMul', { input: 7, absent: 'uint8' }],
  ['octet:QLinearLookup', { input: 1, absent: null }],
]);

/**
 * The element type of a value if the graph tells it: types, constants, a type-preserving producer
 * chain, or a quantizing producer's zero point or table.
 */
export function knownElemType(g: IrGraph, name: string, producers: Map<string, IrNode>): OnnxElemType | null {
  for (let depth = 0; depth < 64 && name !== ''; ++depth) {
    const c = g.constants.get(name);
    if (c) return c.type;
    const t = g.types.get(name)?.elemType;
    if (t && t !== 'undefined') return t;
    const p = producers.get(name);
    if (!p || p.outputs[0] !== name) return null;
    const from = TYPE_FROM_INPUT.get(`${isOnnxDomain(p) ? '' : p.domain}:${p.opType}`);
    if (from) {
      const input = p.inputs[from.input] ?? '';
      return input === '' ? from.absent : (g.constants.get(input)?.type ?? null);
    }
    if (!isOnnxDomain(p) || !TYPE_PRESERVING.has(p.opType)) return null;
    name = p.inputs[0] ?? '';
  }
  return null;
}

/** An octet QLinearLookup (a 256-entry table applied to each byte). */
export function isLookup(n: IrNode | undefined): n is IrNode {
  return n !== undefined && n.domain === 'octet' && n.opType === 'QLinearLookup';
}

/** Removes nodes (by identity) from g.nodes in one sweep. */
export function removeNodes(g: IrGraph, dead: Set<IrNode>): void {
  if (dead.size > 0) g.nodes = g.nodes.filter((n) => !dead.has(n));
}

/** Replaces every read of `from` by `to` (inputs of all nodes). */
export function renameUses(g: IrGraph, from: string, to: string): void {
  for (const node of g.nodes) for (let i = 0; i < node.inputs.length; ++i) if (node.inputs[i] === from) node.inputs[i] = to;
}
