/**
 * inferTypes(): given the shapes a caller feeds, every value of the graph gets its element type and
 * concrete shape. Nodes are visited in topological order; each one's shape rule (lib/graph/shapes/)
 * checks its inputs and computes its outputs, and a node whose inputs are constants is folded on the
 * spot (lib/graph/fold.ts), so the parameters later nodes need (Reshape's shape from Shape → Gather →
 * Concat) are constants by the time those nodes are reached.
 */
import type { InitializerTensor, OnnxDim } from '../onnx/model.js';
import { formatShape } from './broadcast.js';
import { ELEMENT_BYTES } from './evaluate/data.js';
import { concreteType, nodeContext, tryFold } from './fold.js';
import { topologicalOrder } from './from-onnx.js';
import type { IrGraph, IrNode } from './ir.js';
import { lowerLegacyNode } from './legacy-opsets.js';
import { operatorInfo, operatorLabel } from './operators.js';
import { shapeRule, type TensorType } from './shapes/index.js';

/** Most elements a value may have (native indexes with int32). */
export const MAX_ELEMENTS = 2 ** 31 - 1;
/** Most bytes a value may have. */
export const MAX_BYTES = 2 ** 32;

/** RangeError when a value is too large for native code; `what` names it. */
export function checkValueSize(what: string, type: TensorType): void {
  let count = 1;
  for (const d of type.shape) count *= d;
  if (count > MAX_ELEMENTS) {
    throw new RangeError(`${what} with shape ${formatShape(type.shape)} has ${count} elements, more than the 2^31-1 supported`);
  }
  const bytes = count * (ELEMENT_BYTES[type.elemType] ?? 1);
  if (bytes > MAX_BYTES) {
    throw new RangeError(`${what} with shape ${formatShape(type.shape)} (${type.elemType}) takes ${bytes} bytes, more than the 2^32 supported`);
  }
}

function checkFedShape(name: string, shape: readonly number[]): void {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw new RangeError(`input '${name}': shape ${JSON.stringify(shape)} must be a list of non-negative integers`);
  }
}

/** Sets the graph inputs' concrete shapes, checking them against the declared dims. */
function bindInputs(g: IrGraph, inputShapes: Map<string, number[]>, inputValues: Map<string, InitializerTensor>): void {
  const known = new Set(g.inputs.map((v) => v.name));
  for (const name of [...inputShapes.keys(), ...inputValues.keys()]) {
    if (!known.has(name)) throw new TypeError(`inferTypes: '${name}' is not an input of the graph (inputs: ${[...known].join(', ') || 'none'})`);
  }
  // A symbolic dim ('N') takes the size fed first and must agree wherever else it appears.
  const symbols = new Map<string, { size: number; where: string }>();
  for (const input of g.inputs) {
    const value = inputValues.get(input.name);
    if (g.constants.has(input.name) && !value) continue;
    const shape = inputShapes.get(input.name) ?? value?.dims;
    if (!shape) throw new TypeError(`inferTypes: no shape given for input '${input.name}'`);
    checkFedShape(input.name, shape);
    if (value) {
      if (value.dims.length !== shape.length || value.dims.some((d, i) => d !== shape[i])) {
        throw new RangeError(`inferTypes: input '${input.name}': the value fed has dims ${formatShape(value.dims)} but the shape given is ${formatShape(shape)}`);
      }
      if (input.type.elemType !== 'undefined' && value.type !== input.type.elemType) {
        throw new TypeError(`inferTypes: input '${input.name}' must be ${input.type.elemType}, got a ${value.type} value`);
      }
    }
    const declared: OnnxDim[] | null = input.type.shape;
    if (declared) {
      if (declared.length !== shape.length) {
        throw new RangeError(`inferTypes: input '${input.name}' must have rank ${declared.length} (declared shape ${formatShape(declared)}), got shape ${formatShape(shape)}`);
      }
      declared.forEach((d, i) => {
        const size = shape[i]!;
        if (typeof d === 'number' && d !== size) {
          throw new RangeError(`inferTypes: input '${input.name}' dim ${i} must be ${d} (declared shape ${formatShape(declared)}), got ${size} (shape ${formatShape(shape)})`);
        }
        if (typeof d === 'string') {
          const earlier = symbols.get(d);
          if (earlier && earlier.size !== size) {
            throw new RangeError(`inferTypes: input '${input.name}' dim ${i} ('${d}') is ${size}, but ${earlier.where} ('${d}') is ${earlier.size}`);
          }
          if (!earlier) symbols.set(d, { size, where: `input '${input.name}' dim ${i}` });
        }
      });
    }
    const type: TensorType = { elemType: value?.type ?? input.type.elemType, shape: [...shape] };
    checkValueSize(`input '${input.name}'`, type);
    g.types.set(input.name, { elemType: type.elemType, shape: [...shape] });
    if (value) g.constants.set(input.name, { ...value, name: input.name, dims: [...value.dims] });
  }
}

/** Computes (and checks) one node's output types, then folds it if it can. Returns true when folded. */
function inferNode(g: IrGraph, node: IrNode): boolean {
  const where = `node '${node.name}' (${operatorLabel(node.domain, node.opType)})`;
  node.inputs.forEach((v, i) => {
    if (v !== '' && !concreteType(g, v)) {
      throw new TypeError(`inferTypes: ${where}: input ${i} '${v}' has no known shape (is it produced by a node?)`);
    }
  });
  const rule = shapeRule(node.domain, node.opType);
  if (!rule) {
    const first = node.outputs.find((o) => o !== '') ?? '';
    throw new TypeError(`inferTypes: ${where}: cannot determine the shape of '${first}': no shape rule for operator '${operatorLabel(node.domain, node.opType)}'`);
  }
  const c = nodeContext(g, node);
  const types = rule(c);
  node.outputs.forEach((name, k) => {
    if (name === '') return;
    const t = types[k];
    if (!t) throw new TypeError(`inferTypes: ${where}: cannot determine the shape of output ${k} '${name}'`);
    checkValueSize(`value '${name}' (output ${k} of ${where})`, t);
  });
  if (tryFold(g, node, types)) return true;
  // Native code reads parameter inputs at create(): they must be constants now.
  for (const i of operatorInfo(node.domain, node.opType)?.parameterInputs ?? []) {
    if (c.has(i) && !c.value(i)) {
      throw new TypeError(`${where}: input ${i} '${node.inputs[i]}' must be a constant when the plan is built (it determines output shapes or is read once at create)`);
    }
  }
  node.outputs.forEach((name, k) => {
    if (name !== '') g.types.set(name, { elemType: types[k]!.elemType, shape: [...types[k]!.shape] });
  });
  return false;
}

/**
 * Gives every value of `g` its element type and concrete shape for the fed `inputShapes`:
 * - each graph input's shape is checked against its declared dims (fixed dims must match; a symbolic
 *   dim must take one size across all inputs);
 * - `inputValues` (fed values the plan needs, see parameterInputNames) become constants;
 * - nodes are visited in topological order (g.nodes is left in that order), each node's outputs typed
 *   by its shape rule; nodes computable from constants are folded and removed as they are reached;
 * - opset 1-6 nodes whose broadcasting depends on ranks are rewritten into opset-7 form first
 *   (legacy-opsets.ts: an operand reshaped, or an Unsqueeze inserted before the node).
 * Throws TypeError (unknown operator, non-constant parameter, dtype mismatch) or RangeError
 * (incompatible shapes, out-of-range attributes, values over 2^31-1 elements or 2^32 bytes), naming the
 * node and value.
 */
export function inferTypes(g: IrGraph, inputShapes: Map<string, number[]>, inputValues: Map<string, InitializerTensor> = new Map()): void {
  bindInputs(g, inputShapes, inputValues);
  for (const [name, t] of g.constants) g.types.set(name, { elemType: t.type, shape: [...t.dims] });
  const kept: IrNode[] = [];
  for (const node of topologicalOrder(g)) {
    // Opset 1-6 broadcasting needs ranks: rewritten here, with any inserted node inferred first.
    for (const added of lowerLegacyNode(g, node)) if (!inferNode(g, added)) kept.push(added);
    if (!inferNode(g, node)) kept.push(node);
  }
  g.nodes = kept;
  for (const output of [...g.inputs, ...g.outputs]) {
    const t = g.types.get(output.name);
    if (t) output.type = { elemType: t.elemType, shape: t.shape && [...t.shape] };
  }
}
