/**
 * ai.onnx operators of opsets 1-6 in the forms the rest of the runtime implements. Most old versions
 * differ from their successors only in attributes native code reads or ignores (consumed_inputs, the
 * Concat/Split/Reshape/Tile/Slice/Squeeze attribute forms); the others are rewritten here, the way
 * ONNX's version converter adapts them to opset 7, so shape rules, folding and native code only meet
 * opset-7 semantics:
 *
 * - upgradeLegacyAttributes (graphFromModel, and again in inferTypes): rank-free attribute rewrites.
 *   `consumed_inputs` goes; Cast-1's `to` type name becomes the DataType code; Selu-1's own defaults
 *   (1.6732, 1.0507) are made explicit; Upsample-1's height_scale/width_scale become scales
 *   [1, 1, h, w]; BatchNormalization's and Dropout's is_test=1 goes (inference), and so does
 *   BatchNormalization's `spatial` (its statistics are [C] before opset 7, so inference is per channel
 *   either way); Gemm's `broadcast` goes (C broadcasts unidirectionally, which the shape rule checks);
 *   a binary operator's `broadcast` goes when no `axis` is given (B aligned with A's trailing dims is
 *   numpy broadcasting) or when it is 0 (same shapes; numpy broadcasting accepts more, as the converter
 *   does).
 * - lowerLegacyNode (inferTypes, once ranks are known): B of a binary operator with broadcast=1 and
 *   `axis` gets trailing 1-dims so numpy alignment puts it at `axis` (B [3,4] at axis 1 of A [2,3,4,5]
 *   becomes [3,4,1]); PRelu's per-channel slope [C] (Caffe2's PRelu, what opset-6 exporters meant)
 *   becomes [C,1,...]. A constant operand is rewritten directly; otherwise an Unsqueeze is inserted.
 * - legacyProblem (checkSupported): the forms that cannot be mapped, with the reason.
 */
import type { AttributeValue } from '../onnx/model.js';
import { formatShape, sizeOf } from './broadcast.js';
import type { IrGraph, IrNode } from './ir.js';

/** Binary operators with the opset 1-6 `broadcast` / `axis` attributes (limited, right-hand broadcasting). */
const LEGACY_BROADCAST = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'And', 'Or', 'Xor', 'Equal', 'Less', 'Greater']);

/** TensorProto.DataType codes by name, for Cast-1's string `to`. */
const DATA_TYPE_CODES: Record<string, number> = {
  FLOAT: 1, UINT8: 2, INT8: 3, UINT16: 4, INT16: 5, INT32: 6, INT64: 7, BOOL: 9, FLOAT16: 10, DOUBLE: 11, UINT32: 12, UINT64: 13,
};

/** Selu-1's defaults (Selu-6 changed them to the float32 values of the exact constants). */
const SELU1_ALPHA = 1.6732;
const SELU1_GAMMA = 1.0507;

function isLegacy(node: IrNode): boolean {
  return (node.domain === '' || node.domain === 'ai.onnx') && node.opset < 7;
}

function intValue(a: AttributeValue | undefined): number | undefined {
  return a?.type === 'int' ? Number(a.value) : undefined;
}

function floatValue(a: AttributeValue | undefined): number | undefined {
  if (a?.type === 'float') return a.value;
  return a?.type === 'int' ? Number(a.value) : undefined;
}

/** Rewrites the attributes of an opset 1-6 node that need no shapes (see the file comment). Idempotent. */
export function upgradeLegacyAttributes(node: IrNode): void {
  if (!isLegacy(node)) return;
  const a = node.attributes;
  a.delete('consumed_inputs');
  switch (node.opType) {
    case 'Cast': {
      const to = a.get('to');
      const code = to?.type === 'string' ? DATA_TYPE_CODES[to.value.toUpperCase()] : undefined;
      if (code !== undefined) a.set('to', { type: 'int', value: code });
      return;
    }
    case 'Selu':
      if (node.opset < 6) {
        if (!a.has('alpha')) a.set('alpha', { type: 'float', value: SELU1_ALPHA });
        if (!a.has('gamma')) a.set('gamma', { type: 'float', value: SELU1_GAMMA });
      }
      return;
    case 'Upsample': {
      const h = floatValue(a.get('height_scale'));
      const w = floatValue(a.get('width_scale'));
      if (h !== undefined && w !== undefined && !a.has('scales')) {
        a.set('scales', { type: 'floats', value: [1, 1, h, w] });
        a.delete('height_scale');
        a.delete('width_scale');
      }
      if (a.get('mode')?.value === 'bilinear') a.set('mode', { type: 'string', value: 'linear' });
      return;
    }
    case 'BatchNormalization':
    case 'Dropout':
      // is_test=0 (training) stays for legacyProblem to report.
      if (a.has('is_test') && intValue(a.get('is_test')) !== 0) a.delete('is_test');
      if (node.opType === 'BatchNormalization') a.delete('spatial');
      return;
    case 'Gemm':
      a.delete('broadcast');
      return;
    default:
      if (LEGACY_BROADCAST.has(node.opType) && (intValue(a.get('broadcast')) !== 1 || !a.has('axis'))) {
        a.delete('broadcast');
        a.delete('axis');
      }
  }
}

/** Why an opset 1-6 node cannot be mapped onto what the runtime implements, or undefined. */
export function legacyProblem(node: IrNode): string | undefined {
  if (!isLegacy(node)) return undefined;
  const a = node.attributes;
  switch (node.opType) {
    case 'Pad':
      if (node.opset < 2) {
        return "Pad-1's 'paddings' layout is ambiguous (the spec's description says [x1_begin, x2_begin, ..., x1_end, ...], " +
          'its example and the exporters of the time [x1_begin, x1_end, ...]); re-export with opset >= 2';
      }
      return undefined;
    case 'Cast': {
      const to = a.get('to');
      if (to?.type === 'string' && DATA_TYPE_CODES[to.value.toUpperCase()] === undefined) {
        return `attribute 'to' names no supported data type: '${to.value}' (expected one of ${Object.keys(DATA_TYPE_CODES).join(', ')})`;
      }
      return undefined;
    }
    case 'BatchNormalization':
    case 'Dropout':
      if (a.has('is_test') && intValue(a.get('is_test')) === 0) return 'is_test=0 asks for training mode; only inference (is_test=1) is supported';
      return undefined;
    case 'Split':
      if (node.opset < 2 && !a.has('axis')) {
        return "Split-1 has no default 'axis' (Caffe2 split the channel axis, later opsets axis 0); give the attribute or re-export with opset >= 2";
      }
      return undefined;
    case 'Upsample':
      if (!a.has('scales') && !(a.has('height_scale') && a.has('width_scale'))) return "Upsample-1 needs the attributes 'height_scale' and 'width_scale'";
      return undefined;
    default:
      return undefined;
  }
}

/** A value or node name not used in g yet, from `base`. */
function freshName(g: IrGraph, base: string): string {
  const taken = new Set<string>([...g.types.keys(), ...g.constants.keys(), ...g.inputs.map((v) => v.name), ...g.outputs.map((v) => v.name)]);
  for (const n of g.nodes) {
    for (const v of n.inputs) taken.add(v);
    for (const v of n.outputs) taken.add(v);
    taken.add(n.name);
  }
  let name = base;
  for (let k = 2; taken.has(name); k++) name = `${base}_${k}`;
  return name;
}

/**
 * Makes input `index` of `node` read its value with `count` 1-dims appended: a reshaped copy of a
 * constant (same data), or a new Unsqueeze node, which is returned for the caller to infer first.
 */
function appendUnitDims(g: IrGraph, node: IrNode, index: number, shape: readonly number[], count: number): IrNode[] {
  const source = node.inputs[index]!;
  const dims = [...shape, ...new Array<number>(count).fill(1)];
  const name = freshName(g, `${source}_legacy_broadcast`);
  const constant = g.constants.get(source);
  node.inputs[index] = name;
  if (constant) {
    g.constants.set(name, { ...constant, name, dims });
    g.types.set(name, { elemType: constant.type, shape: [...dims] });
    return [];
  }
  const axes = Array.from({ length: count }, (_, k) => shape.length + k);
  return [{
    id: g.nextId++,
    opType: 'Unsqueeze',
    domain: '',
    name: freshName(g, `${node.name}_legacy_broadcast`),
    // Unsqueeze before opset 13 takes its axes as an attribute, which is the form at this opset.
    opset: node.opset,
    inputs: [source],
    outputs: [name],
    attributes: new Map<string, AttributeValue>([['axes', { type: 'ints', value: axes }]]),
  }];
}

/** The concrete shape of a value (constant dims or fully numeric type), else undefined. */
function concreteShape(g: IrGraph, name: string): number[] | undefined {
  const c = g.constants.get(name);
  if (c) return [...c.dims];
  const shape = g.types.get(name)?.shape;
  return shape && shape.every((d): d is number => typeof d === 'number') ? [...shape] : undefined;
}

function where(node: IrNode): string {
  return `node '${node.name}' (${node.opType}-${node.opset})`;
}

/** B placed at `axis` of A: trailing 1-dims for the A dims after it. */
function lowerAxisBroadcast(g: IrGraph, node: IrNode): IrNode[] {
  const axisAttr = node.attributes.get('axis');
  node.attributes.delete('broadcast');
  node.attributes.delete('axis');
  const a = concreteShape(g, node.inputs[0] ?? '');
  const b = concreteShape(g, node.inputs[1] ?? '');
  // A missing operand or shape is reported by the node's shape rule.
  if (!a || !b || axisAttr === undefined) return [];
  const given = intValue(axisAttr);
  if (given === undefined) throw new TypeError(`${where(node)}: attribute 'axis' must be an int, got ${axisAttr.type}`);
  const rankA = a.length;
  const rankB = b.length;
  // One element broadcasts anywhere (the spec allows any B of size 1 with rank <= A's).
  if (sizeOf(b) === 1 && rankB <= rankA) return [];
  const axis = given < 0 ? given + rankA : given;
  if (axis < 0 || axis + rankB > rankA) {
    throw new RangeError(`${where(node)}: B ${formatShape(b)} does not fit into A ${formatShape(a)} at axis ${given} (broadcast=1)`);
  }
  b.forEach((d, k) => {
    if (d !== 1 && d !== a[axis + k]) {
      throw new RangeError(`${where(node)}: B ${formatShape(b)} placed at axis ${given} of A ${formatShape(a)} differs in dim ${k}: ${d} vs ${a[axis + k]} (broadcast=1)`);
    }
  });
  const trailing = rankA - axis - rankB;
  return trailing === 0 ? [] : appendUnitDims(g, node, 1, b, trailing);
}

/** PRelu's slope [C] applies per channel (dim 1 of X [N, C, ...]) before opset 7. */
function lowerChannelSlope(g: IrGraph, node: IrNode): IrNode[] {
  const x = concreteShape(g, node.inputs[0] ?? '');
  const slope = concreteShape(g, node.inputs[1] ?? '');
  if (!x || !slope || x.length < 3 || slope.length !== 1) return [];
  const channels = slope[0]!;
  if (channels === 1 || channels !== x[1]) return [];
  return appendUnitDims(g, node, 1, slope, x.length - 2);
}

/**
 * Rewrites an opset 1-6 node into its opset-7 form once its inputs have concrete shapes (inferTypes
 * calls this just before the node's shape rule). Returns the nodes it inserted before `node`
 * (Unsqueezes of non-constant operands), which the caller must infer first.
 */
export function lowerLegacyNode(g: IrGraph, node: IrNode): IrNode[] {
  if (!isLegacy(node)) return [];
  upgradeLegacyAttributes(node);
  if (LEGACY_BROADCAST.has(node.opType) && node.attributes.has('axis')) return lowerAxisBroadcast(g, node);
  if (node.opType === 'PRelu') return lowerChannelSlope(g, node);
  return [];
}
