/**
 * IrGraph (concrete shapes, after layout passes) → NativePlan: orders the nodes, plans memory, and
 * writes every value with its dtype code, shape and storage, and every node with value ids and plain
 * attributes. Graph outputs must each own a result buffer, so an output that is a graph input, a
 * constant, or listed twice is produced by an inserted domain-'octet' Copy node.
 */
import type { AttributeValue, OnnxElemType } from '../onnx/model.js';
import type { IrGraph, IrNode, IrValueType } from '../graph/ir.js';
import { executionOrder } from './order.js';
import { planMemory, type MemoryPlan, type TraitsLookup } from './memory-plan.js';
import type { DTypeCode, NativePlan, PlanAttribute, PlanNode, PlanStorage, PlanValue } from './native-plan.js';

const DTYPE_CODES: Partial<Record<OnnxElemType, DTypeCode>> = {
  float32: 1,
  uint8: 2,
  int8: 3,
  uint16: 4,
  int16: 5,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  float64: 11,
  uint32: 12,
  uint64: 13,
};

/** The ONNX TensorProto.DataType code of an element type the runtime supports, or undefined. */
export function dtypeCode(t: OnnxElemType): DTypeCode | undefined {
  return DTYPE_CODES[t];
}

export interface PlanOutputType {
  /** The model's output name. */
  name: string;
  elemType: OnnxElemType;
  dtype: DTypeCode;
  shape: number[];
}

export interface BuiltPlan {
  plan: NativePlan;
  /** Type and shape of each result, in the model's output order (what TypeScript allocates per run). */
  outputTypes: PlanOutputType[];
  /** The memory plan behind the arena offsets (for diagnostics and tests). */
  memory: MemoryPlan;
}

export interface BuildPlanOptions {
  /** Operator traits (in-place, view); default: the supported-operator table. */
  traits?: TraitsLookup;
}

const INT64_LIMIT = 2n ** 63n;

/** An int attribute as a double: exact to 2^53, clamped to ±2^63 beyond int64 (native reads int64). */
function intToNumber(v: number | bigint): number {
  if (typeof v === 'number') return v;
  const clamped = v > INT64_LIMIT ? INT64_LIMIT : v < -INT64_LIMIT ? -INT64_LIMIT : v;
  return Number(clamped);
}

function planAttribute(node: IrNode, name: string, a: AttributeValue): PlanAttribute {
  switch (a.type) {
    case 'int':
      return { name, type: 'int', value: intToNumber(a.value) };
    case 'float':
      return { name, type: 'float', value: a.value };
    case 'string':
      return { name, type: 'string', value: a.value };
    case 'ints':
      return { name, type: 'ints', value: a.value.map(intToNumber) };
    case 'floats':
      return { name, type: 'floats', value: [...a.value] };
    case 'strings':
      return { name, type: 'strings', value: [...a.value] };
    default:
      throw new TypeError(`node '${node.name}' (${node.opType}): attribute '${name}' of type ${a.type} cannot be passed to the runtime`);
  }
}

/** The graph with every output owning its buffer: Copy nodes for outputs that are inputs, constants or repeated. */
function withOwnedOutputs(g: IrGraph): IrGraph {
  const inputs = new Set(g.inputs.map((i) => i.name));
  const taken = new Set<string>([...g.types.keys(), ...g.constants.keys(), ...inputs, ...g.outputs.map((o) => o.name)]);
  for (const node of g.nodes) for (const v of [...node.inputs, ...node.outputs, node.name]) taken.add(v);
  const fresh = (base: string): string => {
    let name = base;
    for (let k = 2; taken.has(name); ++k) name = `${base}_${k}`;
    taken.add(name);
    return name;
  };
  const result: IrGraph = { ...g, nodes: [...g.nodes], outputs: [...g.outputs], types: new Map(g.types) };
  const seen = new Set<string>();
  result.outputs = g.outputs.map((o) => {
    const needsCopy = inputs.has(o.name) || g.constants.has(o.name) || seen.has(o.name);
    seen.add(o.name);
    if (!needsCopy) return o;
    const copy = fresh(`${o.name}_copy`);
    const c = g.constants.get(o.name);
    const type: IrValueType = g.types.get(o.name) ?? (c ? { elemType: c.type, shape: [...c.dims] } : o.type);
    result.types.set(copy, type);
    result.nodes.push({ id: result.nextId++, opType: 'Copy', domain: 'octet', name: fresh(`${o.name}_copy`), opset: 1, inputs: [o.name], outputs: [copy], attributes: new Map() });
    return { name: copy, type };
  });
  return result;
}

export function buildNativePlan(g: IrGraph, initializerIndex: Map<string, number>, options: BuildPlanOptions = {}): BuiltPlan {
  const w = withOwnedOutputs(g);
  const produced = new Set<string>();
  for (const node of w.nodes) for (const out of node.outputs) if (out !== '') produced.add(out);
  for (const o of w.outputs) if (!produced.has(o.name)) throw new Error(`graph output '${o.name}' is not produced by any node`);

  const order = executionOrder(w);
  const memory = planMemory(w, order, { traits: options.traits, shareableConstant: (name) => initializerIndex.has(name) });
  const inputPosition = new Map<string, number>();
  w.inputs.forEach((input, i) => {
    if (!inputPosition.has(input.name)) inputPosition.set(input.name, i);
  });
  const outputPosition = new Map(w.outputs.map((o, i) => [o.name, i]));

  const typeOf = (name: string): { elemType: OnnxElemType; shape: number[] } => {
    const c = w.constants.get(name);
    const t = c ? { elemType: c.type, shape: c.dims } : w.types.get(name);
    if (!t || !t.shape) throw new Error(`value '${name}' has no known type and shape`);
    if (!t.shape.every((d): d is number => typeof d === 'number')) {
      throw new Error(`value '${name}' has a non-concrete shape [${t.shape.map((d) => d ?? '?').join(', ')}]`);
    }
    return { elemType: t.elemType, shape: [...(t.shape as number[])] };
  };
  const dtypeOf = (name: string, elemType: OnnxElemType): DTypeCode => {
    const code = dtypeCode(elemType);
    if (code === undefined) throw new TypeError(`value '${name}' has element type ${elemType}, which the runtime does not support`);
    return code;
  };

  const storageOf = (name: string): PlanStorage => {
    const own = memory.storage.get(name);
    if (!own) throw new Error(`value '${name}' has no storage in the memory plan`);
    const root = own.kind === 'alias' ? own.of : name;
    const s = own.kind === 'alias' ? memory.storage.get(root)! : own;
    switch (s.kind) {
      case 'arena':
        return { kind: 'arena', offset: s.offset };
      case 'input':
        return { kind: 'input', index: inputPosition.get(root)! };
      case 'output':
        return { kind: 'output', index: outputPosition.get(name)! };
      case 'constant': {
        const index = initializerIndex.get(root);
        if (index !== undefined) return { kind: 'initializer', index };
        const data = w.constants.get(root)!.data;
        if (Array.isArray(data)) throw new TypeError(`constant '${root}' holds strings, which the runtime does not support`);
        return { kind: 'constant', data };
      }
      default:
        throw new Error(`value '${name}' aliases another alias`);
    }
  };

  // A result is named as the model names it, also when a Copy produces it (sessions read results by these names).
  const displayName = new Map(w.outputs.map((o, k) => [o.name, g.outputs[k]!.name]));
  const values: PlanValue[] = [];
  const ids = new Map<string, number>();
  const addValue = (name: string, storage: PlanStorage): number => {
    const { elemType, shape } = typeOf(name);
    values.push({ name: displayName.get(name) ?? name, dtype: dtypeOf(name, elemType), shape, storage });
    return values.length - 1;
  };
  const idOf = (name: string): number => {
    if (name === '') return -1;
    let id = ids.get(name);
    if (id === undefined) ids.set(name, (id = addValue(name, storageOf(name))));
    return id;
  };

  // Feeds first, in the session's order. A feed the planner turned into a constant (its value was
  // baked into the plan) keeps a placeholder so positions stay the session's; nodes read the constant.
  const inputs = w.inputs.map((input, i) => {
    if (w.constants.has(input.name) || inputPosition.get(input.name) !== i) {
      const t = w.types.get(input.name) ?? input.type;
      if (!t.shape?.every((d): d is number => typeof d === 'number')) throw new Error(`graph input '${input.name}' has no concrete shape`);
      values.push({ name: input.name, dtype: dtypeOf(input.name, t.elemType), shape: [...(t.shape as number[])], storage: { kind: 'input', index: i } });
      return values.length - 1;
    }
    const id = addValue(input.name, { kind: 'input', index: i });
    ids.set(input.name, id);
    return id;
  });

  const nodes: PlanNode[] = order.map((node) => ({
    opType: node.opType,
    domain: node.domain,
    name: node.name,
    opset: node.opset,
    inputs: node.inputs.map(idOf),
    outputs: node.outputs.map(idOf),
    attributes: [...node.attributes].map(([name, a]) => planAttribute(node, name, a)),
  }));
  const outputs = w.outputs.map((o) => idOf(o.name));

  const outputTypes = g.outputs.map((o, k) => {
    const v = values[outputs[k]!]!;
    return { name: o.name, elemType: typeOf(w.outputs[k]!.name).elemType, dtype: v.dtype, shape: [...v.shape] };
  });
  return { plan: { values, nodes, arenaBytes: memory.peakBytes, inputs, outputs }, outputTypes, memory };
}
