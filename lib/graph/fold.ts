/**
 * Constant folding: a node whose needed inputs are constants and whose operator has a TypeScript
 * evaluator (lib/graph/evaluate/) is replaced by constants holding its results. This is what turns
 * Shape → Gather → Concat → Reshape chains into plain parameters native code can read at create().
 * Results larger than FOLD_LIMIT elements are left to native code (folding would only bloat the plan).
 */
import type { InitializerTensor } from '../onnx/model.js';
import { sizeOf } from './broadcast.js';
import { evaluatorFor } from './evaluate/index.js';
import { topologicalOrder } from './from-onnx.js';
import type { IrGraph, IrNode } from './ir.js';
import { operatorInfo } from './operators.js';
import { NodeContext, shapeRule, type TensorType } from './shapes/index.js';

/** The most elements one folded result may have. */
export const FOLD_LIMIT = 1 << 20;

/** The concrete type of a value (constant dims, or a fully numeric shape in g.types), else undefined. */
export function concreteType(g: IrGraph, name: string): TensorType | undefined {
  const c = g.constants.get(name);
  if (c) return { elemType: c.type, shape: c.dims };
  const t = g.types.get(name);
  if (!t || !t.shape || !t.shape.every((d) => typeof d === 'number')) return undefined;
  return { elemType: t.elemType, shape: t.shape as number[] };
}

/** The shape-rule context of a node, from the graph's current types and constants. */
export function nodeContext(g: IrGraph, node: IrNode): NodeContext {
  return new NodeContext(
    node,
    node.inputs.map((v) => (v === '' ? undefined : concreteType(g, v))),
    node.inputs.map((v) => (v === '' ? undefined : g.constants.get(v))),
  );
}

/**
 * Folds `node` when it can: its evaluator exists, the inputs whose data it reads are constants, the
 * others have concrete shapes, and every result is at most FOLD_LIMIT elements. `outputTypes` are the
 * node's output types when the caller already computed them. On success the outputs are in
 * g.constants and g.types (the caller removes the node from g.nodes) and true is returned.
 */
export function tryFold(g: IrGraph, node: IrNode, outputTypes?: TensorType[]): boolean {
  const evaluator = evaluatorFor(node.domain, node.opType);
  if (!evaluator) return false;
  const c = nodeContext(g, node);
  const present = node.inputs.map((_, i) => i).filter((i) => c.has(i));
  if (present.some((i) => concreteType(g, node.inputs[i]!) === undefined)) return false;
  const needed = evaluator.dataInputs ? evaluator.dataInputs(c) : present;
  if (needed.some((i) => c.has(i) && !c.value(i))) return false;
  const types = outputTypes ?? shapeRule(node.domain, node.opType)!(c);
  if (node.outputs.some((o, k) => o !== '' && (!types[k] || sizeOf(types[k]!.shape) > FOLD_LIMIT))) return false;
  const data = evaluator.run(c, types);
  if (!data) return false;
  node.outputs.forEach((name, k) => {
    if (name === '') return;
    const t = types[k]!;
    const tensor: InitializerTensor = { name, type: t.elemType, dims: [...t.shape], data: data[k]! };
    g.constants.set(name, tensor);
    g.types.set(name, { elemType: t.elemType, shape: [...t.shape] });
  });
  return true;
}

/** Replaces every foldable node by constants (in topological order, so chains fold completely). */
export function foldConstants(g: IrGraph): void {
  const kept: IrNode[] = [];
  for (const node of topologicalOrder(g)) {
    if (!tryFold(g, node)) kept.push(node);
  }
  g.nodes = kept;
}

/**
 * Graph inputs whose VALUES some node needs at plan time: they feed a parameter input (Reshape's
 * shape, Slice's starts...; see operators.ts) directly or through foldable arithmetic (Cast, Concat,
 * Unsqueeze, Gather...). A session bakes the values fed for them into the plan (inputValues of
 * inferTypes). Inputs only whose shape matters (through Shape or Size) are not listed.
 */
export function parameterInputNames(g: IrGraph): Set<string> {
  const producerOf = new Map<string, IrNode>();
  for (const n of g.nodes) for (const o of n.outputs) if (o !== '') producerOf.set(o, n);
  const graphInputs = new Set(g.inputs.map((v) => v.name));
  const pending: string[] = [];
  for (const n of g.nodes) {
    for (const i of operatorInfo(n.domain, n.opType)?.parameterInputs ?? []) {
      const v = n.inputs[i];
      if (v) pending.push(v);
    }
  }
  const result = new Set<string>();
  const seen = new Set<string>();
  while (pending.length > 0) {
    const v = pending.pop()!;
    if (seen.has(v) || g.constants.has(v)) continue;
    seen.add(v);
    if (graphInputs.has(v)) {
      result.add(v);
      continue;
    }
    const p = producerOf.get(v);
    const evaluator = p && evaluatorFor(p.domain, p.opType);
    if (!p || !evaluator) continue;
    const present = p.inputs.map((_, i) => i).filter((i) => p.inputs[i] !== '');
    const needed = evaluator.dataInputs ? evaluator.dataInputs(new NodeContext(p, [], [])) : present;
    for (const i of needed) if (p.inputs[i]) pending.push(p.inputs[i]!);
  }
  return result;
}
