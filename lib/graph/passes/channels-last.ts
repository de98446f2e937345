/**
 * applyChannelsLast: native convolutions and pools compute in NHWC; given NCHW tensors they transpose
 * in and out around every call. Inside a chain of convolutions those transposes cancel, so this pass
 * finds regions of 4-D operators that can work in NHWC (2-D Conv, ConvTranspose, QLinearConv and
 * ConvInteger, pools,
 * BatchNormalization, unary elementwise, elementwise on 4-D operands or constants of any broadcastable
 * shape, Concat on channels, Resize / Upsample with constant parameters, per-tensor or per-channel
 * QuantizeLinear / DequantizeLinear) and switches the whole region to NHWC: `channels_last`=1 on
 * Conv / ConvTranspose / pools / BN, channel axis 1 → 3, constants permuted, NHWC shapes in g.types.
 * Broadcasting stays right when both operands of an elementwise op are permuted the same way (a
 * squeeze-and-excitation [N,C,1,1] times [N,C,H,W] becomes [N,1,1,C] times [N,H,W,C]); Resize is
 * N-D and per axis, so permuting its scales / sizes / roi (or its `axes`) resizes the same axes.
 * One Transpose [0,2,3,1] converts each tensor entering the region and one Transpose [0,3,1,2] each
 * value leaving it (to another operator or as a graph output, whose name and shape stay the
 * model's). A transpose that moves no data (H·W = 1 or C = 1) is a Reshape, and one that meets a
 * chain of the model's layout ops keeping the element order folds into a Reshape with them.
 *
 * A region is converted only when that removes work: it must contain a Conv, and its boundary must
 * need fewer transposes than its convolutions and pools would do internally (two each in NCHW). So a
 * lone Conv between two NCHW operators stays as it is (its internal transposes are no worse).
 * Runs per input-shape signature: every shape is concrete by then.
 */
import type { InitializerTensor, TensorData } from '../../onnx/model.js';
import { sameShape } from '../broadcast.js';
import type { IrGraph, IrNode, IrValueType } from '../ir.js';
import {
  concreteShape,
  constantNumbers,
  consumerIndex,
  elementCount,
  graphOutputNames,
  intAttribute,
  isOnnxDomain,
  NameAllocator,
  newNode,
  onnxOpset,
  producerIndex,
} from './graph-queries.js';
import { sortNodes } from './sort-nodes.js';

const TO_NHWC = [0, 2, 3, 1];
const TO_NCHW = [0, 3, 1, 2];

const UNARY = new Set([
  'Relu', 'LeakyRelu', 'Elu', 'Selu', 'Celu', 'Clip', 'Sigmoid', 'HardSigmoid', 'HardSwish', 'Tanh', 'Erf', 'Gelu',
  'Exp', 'Log', 'Sqrt', 'Abs', 'Neg', 'Reciprocal', 'Floor', 'Ceil', 'Round', 'Sign', 'Softplus', 'Softsign', 'Sin',
  'Cos', 'Mish', 'Not', 'IsNaN', 'IsInf', 'Cast', 'Identity',
]);
const ELEMENTWISE = new Set([
  'Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min', 'Sum', 'Mean', 'Mod', 'PRelu', 'And', 'Or', 'Xor', 'BitShift',
  'Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'Where',
]);
const POOLS = new Set(['MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool']);
const CONVS = new Set(['Conv', 'ConvTranspose', 'QLinearConv', 'ConvInteger']);

/**
 * conv / layout: set channels_last=1; channelAxis: its `axis` names the channel dim (1 → 3);
 * resize: per-axis parameters follow the axes (see ResizeParams).
 */
type Kind = 'conv' | 'layout' | 'channelAxis' | 'elementwise' | 'resize';

/** How a node takes part in an NHWC region. */
interface Role {
  kind: Kind;
  /** Input positions holding NHWC tensors inside the region. */
  dataSlots: number[];
  /** Input positions holding constants that broadcast against NHWC tensors (permuted, may lose leading 1s). */
  broadcastSlots: number[];
  resize?: ResizeParams;
}

/** What of a Resize / Upsample names axes and so changes with the layout. */
interface ResizeParams {
  /** Inputs holding one value per axis (scales, sizes): permuted. */
  perAxisSlots: number[];
  /** Input holding roi (starts then ends per axis), permuted when tf_crop_and_resize reads it. */
  roiSlot: number | null;
  /** Resize-18+ `axes` attribute: remapped to the NHWC positions (the parameters keep their order). */
  remapAxes: boolean;
  /** Upsample-7/8 `scales` attribute: permuted. */
  scalesAttribute: boolean;
}

function rank4(g: IrGraph, name: string): number[] | null {
  const shape = name === '' ? null : concreteShape(g, name);
  return shape && shape.length === 4 ? shape : null;
}

function onlyFirstOutput(node: IrNode): boolean {
  return node.outputs.length >= 1 && node.outputs[0] !== '' && node.outputs.slice(1).every((o) => o === '');
}

/** The quantized operators (com.microsoft, octet) that work in either layout. */
function quantizedRole(g: IrGraph, node: IrNode, out: number[]): Role | null {
  const key = `${node.domain}::${node.opType}`;
  if (key === 'com.microsoft::QLinearGlobalAveragePool' || key === 'com.microsoft::QLinearAveragePool') {
    return rank4(g, node.inputs[0] ?? '') ? { kind: 'layout', dataSlots: [0], broadcastSlots: [] } : null;
  }
  if (key === 'octet::QLinearLookup') {
    const x = rank4(g, node.inputs[0] ?? '');
    return x && sameShape(x, out) ? { kind: 'elementwise', dataSlots: [0], broadcastSlots: [] } : null;
  }
  if (key === 'com.microsoft::QLinearAdd' || key === 'com.microsoft::QLinearMul') {
    // A and B (inputs 0 and 3) must be 4-D tensors; scales and zero points are per tensor.
    for (const i of [0, 3]) {
      const name = node.inputs[i] ?? '';
      const shape = rank4(g, name);
      if (g.constants.has(name) || !shape || !broadcastsTo(shape, out)) return null;
    }
    return { kind: 'elementwise', dataSlots: [0, 3], broadcastSlots: [] };
  }
  return null;
}

function roleOf(g: IrGraph, node: IrNode): Role | null {
  if (!onlyFirstOutput(node)) return null;
  if (!isOnnxDomain(node)) {
    const out = rank4(g, node.outputs[0]!);
    return out ? quantizedRole(g, node, out) : null;
  }
  const out = rank4(g, node.outputs[0]!);
  if (!out) return null;
  const op = node.opType;
  if (CONVS.has(op) || POOLS.has(op) || op === 'BatchNormalization') {
    if (!rank4(g, node.inputs[0] ?? '')) return null;
    if (op === 'BatchNormalization' && (intAttribute(node, 'training_mode', 0) !== 0 || intAttribute(node, 'spatial', 1) !== 1)) return null;
    return { kind: CONVS.has(op) ? 'conv' : 'layout', dataSlots: [0], broadcastSlots: [] };
  }
  if (UNARY.has(op)) {
    const x = rank4(g, node.inputs[0] ?? '');
    return x && sameShape(x, out) ? { kind: 'elementwise', dataSlots: [0], broadcastSlots: [] } : null;
  }
  if (ELEMENTWISE.has(op)) {
    const role: Role = { kind: 'elementwise', dataSlots: [], broadcastSlots: [] };
    for (let i = 0; i < node.inputs.length; ++i) {
      const name = node.inputs[i]!;
      if (name === '') continue;
      const c = g.constants.get(name);
      if (c) {
        if (c.dims.length > 4) return null;
        role.broadcastSlots.push(i);
      } else {
        // A non-constant operand must be 4-D: permuted like the output, its broadcast dims stay aligned.
        // A lower rank would align with the NHWC dims differently (NumPy pads on the left).
        const shape = rank4(g, name);
        if (!shape || !broadcastsTo(shape, out)) return null;
        role.dataSlots.push(i);
      }
    }
    return role.dataSlots.length > 0 ? role : null;
  }
  if (op === 'Concat') {
    const axis = intAttribute(node, 'axis', 1);
    if (axis !== 1 && axis !== -3) return null;
    if (!node.inputs.every((name) => name !== '' && rank4(g, name))) return null;
    return { kind: 'channelAxis', dataSlots: node.inputs.map((_, i) => i), broadcastSlots: [] };
  }
  if (op === 'QuantizeLinear' || op === 'DequantizeLinear') return quantizeRole(g, node, out);
  if (op === 'Resize' || op === 'Upsample') return resizeRole(g, node, out);
  return null;
}

function broadcastsTo(shape: readonly number[], out: readonly number[]): boolean {
  return shape.length === out.length && shape.every((d, i) => d === out[i] || d === 1);
}

function stringAttribute(node: IrNode, name: string, fallback: string): string {
  const a = node.attributes.get(name);
  return a?.type === 'string' ? a.value : fallback;
}

/**
 * Resize / Upsample compute each axis from that axis's parameters alone, so in NHWC they need the
 * parameters permuted, and every parameter that is read must be a constant. Nearest is an index map
 * per axis: any parameters work. Linear / cubic run one pass per resized axis, innermost first; the
 * order of the H and W passes is the same in both layouts, but a pass over N or C would move, so
 * those modes need N and C untouched (scale exactly 1 or size unchanged, which samples them as the
 * identity and skips their pass; not with tf_crop_and_resize / tf_half_pixel_for_nn, nor with a
 * keep-aspect-ratio policy that rewrites their scale).
 */
function resizeRole(g: IrGraph, node: IrNode, out: number[]): Role | null {
  const x = rank4(g, node.inputs[0] ?? '');
  if (!x) return null;
  const upsample = node.opType === 'Upsample';
  const nearest = stringAttribute(node, 'mode', 'nearest') === 'nearest';
  const coordinate = !upsample && node.opset >= 11 ? stringAttribute(node, 'coordinate_transformation_mode', 'half_pixel') : 'asymmetric';
  const params: ResizeParams = { perAxisSlots: [], roiSlot: null, remapAxes: false, scalesAttribute: false };

  let axes = [0, 1, 2, 3];
  const axesAttribute = node.attributes.get('axes');
  if (!upsample && node.opset >= 18 && axesAttribute) {
    if (axesAttribute.type !== 'ints') return null;
    axes = axesAttribute.value.map((a) => Number(a) + (Number(a) < 0 ? 4 : 0));
    if (axes.some((a) => a < 0 || a > 3) || new Set(axes).size !== axes.length) return null;
    params.remapAxes = true;
  }

  // Per-axis values along `axes` as given (scales or sizes), to check N and C below.
  const found: { scales: number[] | null; sizes: number[] | null } = { scales: null, sizes: null };
  const perAxis = (slot: number, kind: 'scales' | 'sizes'): boolean => {
    const name = node.inputs[slot] ?? '';
    if (name === '') return true;
    const c = g.constants.get(name);
    const values = c && constantNumbers(c);
    if (!values) return false;
    if (values.length === 0) return true; // an empty tensor stands for an absent input
    if (values.length !== axes.length) return false;
    found[kind] = values;
    if (!params.remapAxes) params.perAxisSlots.push(slot);
    return true;
  };
  if (upsample) {
    if (node.opset >= 9 || node.inputs.length > 1) {
      if (!perAxis(1, 'scales')) return null;
    } else {
      const a = node.attributes.get('scales');
      if (a?.type !== 'floats' || a.value.length !== 4) return null;
      found.scales = a.value;
      params.scalesAttribute = true;
    }
  } else if (node.opset < 11) {
    if (!perAxis(1, 'scales')) return null;
  } else {
    if (!perAxis(2, 'scales') || !perAxis(3, 'sizes')) return null;
    if (coordinate === 'tf_crop_and_resize') {
      const roi = g.constants.get(node.inputs[1] ?? '');
      if (!roi || roi.dims.length !== 1 || roi.dims[0] !== 2 * axes.length) return null;
      if (!params.remapAxes) params.roiSlot = 1;
    }
  }
  const { scales, sizes } = found;
  if (!scales && !sizes) return null;

  if (!nearest) {
    if (coordinate === 'tf_crop_and_resize' || coordinate === 'tf_half_pixel_for_nn') {
      if (axes.includes(0) || axes.includes(1)) return null;
    }
    const policy = !upsample && node.opset >= 18 ? stringAttribute(node, 'keep_aspect_ratio_policy', 'stretch') : 'stretch';
    for (const k of [0, 1]) {
      const i = axes.indexOf(k);
      if (i < 0) continue;
      if (scales && scales[i] !== 1) return null;
      if (sizes && (sizes[i] !== x[k] || policy !== 'stretch')) return null;
    }
    if (out[0] !== x[0] || out[1] !== x[1]) return null;
  }
  return { kind: 'resize', dataSlots: [0], broadcastSlots: [], resize: params };
}

/**
 * QuantizeLinear / DequantizeLinear are elementwise with a per-tensor scale; per channel (axis 1 with
 * [C] scale and zero point) they follow the channel dim to axis 3. Blocked quantization stays NCHW.
 */
function quantizeRole(g: IrGraph, node: IrNode, out: number[]): Role | null {
  // A QuantizeLinear of a graph input stays outside: the region's transpose then moves its bytes, a
  // quarter of the floats.
  if (node.opType === 'QuantizeLinear' && g.inputs.some((i) => i.name === node.inputs[0])) return null;
  const x = rank4(g, node.inputs[0] ?? '');
  if (!x || !sameShape(x, out) || intAttribute(node, 'block_size', 0) !== 0) return null;
  const params = node.inputs.slice(1, 3).filter((name) => name !== '').map((name) => g.constants.get(name));
  if (params.length === 0 || params.some((c) => !c)) return null;
  if (params.every((c) => c!.data.length === 1)) return { kind: 'elementwise', dataSlots: [0], broadcastSlots: [] };
  const axis = intAttribute(node, 'axis', 1);
  if ((axis === 1 || axis === -3) && params.every((c) => c!.dims.length === 1)) return { kind: 'channelAxis', dataSlots: [0], broadcastSlots: [] };
  return null;
}

function permuteDims(dims: readonly number[], perm: readonly number[]): number[] {
  return perm.map((p) => dims[p]!);
}

/** Transposes a rank-4 tensor's data by `perm` (output dim i is input dim perm[i]). */
function transposeData(data: TensorData, dims: readonly number[], perm: readonly number[]): TensorData {
  const out = (Array.isArray(data) ? new Array<string>(data.length) : new (data.constructor as new (n: number) => TensorData)(data.length)) as TensorData;
  const src = data as ArrayLike<unknown>;
  const dst = out as unknown as { [i: number]: unknown };
  const strides = [dims[1]! * dims[2]! * dims[3]!, dims[2]! * dims[3]!, dims[3]!, 1];
  const outDims = permuteDims(dims, perm);
  const s = permuteDims(strides, perm);
  let k = 0;
  for (let a = 0; a < outDims[0]!; ++a)
    for (let b = 0; b < outDims[1]!; ++b)
      for (let c = 0; c < outDims[2]!; ++c)
        for (let d = 0; d < outDims[3]!; ++d) dst[k++] = src[a * s[0]! + b * s[1]! + c * s[2]! + d * s[3]!];
  return out;
}

/** A vector of one value per NCHW axis, in NHWC order; `groups` consecutive such vectors (roi: starts, ends). */
function permuteVector(data: TensorData, groups: number): TensorData {
  const out = (Array.isArray(data) ? new Array<string>(data.length) : new (data.constructor as new (n: number) => TensorData)(data.length)) as TensorData;
  const src = data as ArrayLike<unknown>;
  const dst = out as unknown as { [i: number]: unknown };
  for (let g = 0; g < groups; ++g) for (let i = 0; i < 4; ++i) dst[4 * g + i] = src[4 * g + TO_NHWC[i]!];
  return out;
}

/** Does the transpose between NCHW `shape` and NHWC move no data (so a Reshape does it)? */
function isFreeTranspose(nchw: readonly number[]): boolean {
  return nchw.every((d) => d > 0) && (nchw[2]! * nchw[3]! === 1 || nchw[1] === 1);
}

class UnionFind {
  readonly #parent = new Map<IrNode, IrNode>();
  find(n: IrNode): IrNode {
    let root = n;
    while (this.#parent.has(root) && this.#parent.get(root) !== root) root = this.#parent.get(root)!;
    this.#parent.set(n, root);
    return root;
  }
  union(a: IrNode, b: IrNode): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.#parent.set(ra, rb);
  }
}

export function applyChannelsLast(g: IrGraph): void {
  const roles = new Map<IrNode, Role>();
  for (const node of g.nodes) {
    const role = roleOf(g, node);
    if (role) roles.set(node, role);
  }
  if (![...roles.values()].some((r) => r.kind === 'conv')) return;

  const producers = producerIndex(g);
  const uses = consumerIndex(g);
  const outputs = graphOutputNames(g);
  const components = new UnionFind();
  for (const [node, role] of roles) {
    for (const slot of role.dataSlots) {
      const p = producers.get(node.inputs[slot]!);
      if (p && roles.has(p)) components.union(node, p);
    }
  }
  const regions = new Map<IrNode, IrNode[]>();
  for (const node of g.nodes) {
    if (!roles.has(node)) continue;
    const root = components.find(node);
    let list = regions.get(root);
    if (!list) regions.set(root, (list = []));
    list.push(node);
  }

  const rewrite = new RegionRewriter(g, roles, producers, uses, outputs);
  for (const members of regions.values()) {
    const region = new Set(members);
    if (rewrite.worthConverting(region)) rewrite.convert(region);
  }
  rewrite.finish();
}

/** Applies the NHWC switch region by region and splices the boundary nodes into g.nodes. */
class RegionRewriter {
  readonly #names: NameAllocator;
  /** Nodes to emit right before / after a node of the original order. */
  readonly #before = new Map<IrNode, IrNode[]>();
  readonly #after = new Map<IrNode, IrNode[]>();
  /** Permuted copies of constants, by original name and whether leading 1s were dropped. */
  readonly #permuted = new Map<string, string>();
  /** The Transposes this pass inserted (candidates for folding into neighbouring layout chains). */
  readonly #transposes: IrNode[] = [];
  #changed = false;

  constructor(
    private readonly g: IrGraph,
    private readonly roles: Map<IrNode, Role>,
    private readonly producers: Map<string, IrNode>,
    private readonly uses: Map<string, { node: IrNode; index: number }[]>,
    private readonly outputs: Set<string>,
  ) {
    this.#names = new NameAllocator(g);
  }

  /** Non-constant values read in the region's NHWC slots but produced outside it. */
  #entering(region: Set<IrNode>): string[] {
    const found = new Set<string>();
    for (const node of region) {
      for (const slot of this.roles.get(node)!.dataSlots) {
        const v = node.inputs[slot]!;
        if (this.g.constants.has(v)) continue;
        const p = this.producers.get(v);
        if (!p || !region.has(p)) found.add(v);
      }
    }
    return [...found];
  }

  /** Region outputs someone needs in NCHW: a graph output, or a reader outside the region's NHWC slots. */
  #leaving(region: Set<IrNode>): string[] {
    const found: string[] = [];
    for (const node of region) {
      const v = node.outputs[0]!;
      const outside = (this.uses.get(v) ?? []).some((u) => !region.has(u.node) || !this.roles.get(u.node)!.dataSlots.includes(u.index));
      if (outside || this.outputs.has(v)) found.push(v);
    }
    return found;
  }

  worthConverting(region: Set<IrNode>): boolean {
    const convs = [...region].filter((n) => this.roles.get(n)!.kind === 'conv').length;
    if (convs === 0) return false;
    const pools = [...region].filter((n) => POOLS.has(n.opType)).length;
    const boundary = [...this.#entering(region), ...this.#leaving(region)];
    const transposes = boundary.filter((v) => !isFreeTranspose(concreteShape(this.g, v)!)).length;
    return transposes < 2 * (convs + pools);
  }

  convert(region: Set<IrNode>): void {
    this.#changed = true;
    const g = this.g;
    const entering = this.#entering(region);
    const leaving = new Set(this.#leaving(region));

    // Values that leave get an internal NHWC name; the model's name is written by the exit transpose.
    const internal = new Map<string, string>();
    for (const node of region) {
      const role = this.roles.get(node)!;
      const v = node.outputs[0]!;
      const nchw = g.types.get(v)!;
      const nhwcType: IrValueType = { elemType: nchw.elemType, shape: permuteDims(nchw.shape as number[], TO_NHWC) };
      if (leaving.has(v)) {
        const inner = this.#names.fresh(`${v}_nhwc`);
        internal.set(v, inner);
        node.outputs[0] = inner;
        g.types.set(inner, nhwcType);
        this.#push(this.#after, node, this.#layoutNode(inner, v, TO_NCHW, nchw));
      } else {
        g.types.set(v, nhwcType);
      }
      if (role.kind === 'conv' || role.kind === 'layout') node.attributes.set('channels_last', { type: 'int', value: 1 });
      if (role.kind === 'channelAxis') node.attributes.set('axis', { type: 'int', value: 3 });
    }

    const entered = new Map<string, string>();
    for (const v of entering) entered.set(v, this.#names.fresh(`${v}_nhwc`));
    for (const node of region) {
      const role = this.roles.get(node)!;
      for (const slot of role.dataSlots) {
        const v = node.inputs[slot]!;
        if (internal.has(v)) {
          node.inputs[slot] = internal.get(v)!;
        } else if (entered.has(v)) {
          const inner = entered.get(v)!;
          if (!g.types.has(inner)) {
            const nchw = g.types.get(v)!;
            const nhwcType: IrValueType = { elemType: nchw.elemType, shape: permuteDims(nchw.shape as number[], TO_NHWC) };
            this.#push(this.#before, node, this.#layoutNode(v, inner, TO_NHWC, nhwcType));
          }
          node.inputs[slot] = inner;
        } else if (g.constants.has(v)) {
          node.inputs[slot] = this.#permutedConstant(v, false);
        }
      }
      for (const slot of role.broadcastSlots) node.inputs[slot] = this.#permutedConstant(node.inputs[slot]!, true);
      if (role.resize) this.#adaptResize(node, role.resize);
    }
  }

  #adaptResize(node: IrNode, params: ResizeParams): void {
    for (const slot of params.perAxisSlots) node.inputs[slot] = this.#permutedVector(node.inputs[slot]!, 1);
    if (params.roiSlot !== null) node.inputs[params.roiSlot] = this.#permutedVector(node.inputs[params.roiSlot]!, 2);
    if (params.remapAxes) {
      const a = node.attributes.get('axes')!;
      const axes = (a.value as (number | bigint)[]).map((v) => TO_NCHW[(Number(v) + 4) % 4]!);
      node.attributes.set('axes', { type: 'ints', value: axes });
    }
    if (params.scalesAttribute) {
      const a = node.attributes.get('scales')!;
      node.attributes.set('scales', { type: 'floats', value: TO_NHWC.map((p) => (a.value as number[])[p]!) });
    }
  }

  /** The per-axis constant `name` (`groups` vectors of 4) with its values in NHWC axis order. */
  #permutedVector(name: string, groups: number): string {
    const key = `${name}\u0000vector`;
    const cached = this.#permuted.get(key);
    if (cached) return cached;
    const c = this.g.constants.get(name)!;
    const result = this.#names.fresh(`${name}_nhwc`);
    this.g.constants.set(result, { name: result, type: c.type, dims: [...c.dims], data: permuteVector(c.data, groups) });
    this.g.types.set(result, { elemType: c.type, shape: [...c.dims] });
    this.#permuted.set(key, result);
    return result;
  }

  /** A Transpose by `perm` from `from` to `to` (type `toType`), or a Reshape when no data moves. */
  #layoutNode(from: string, to: string, perm: number[], toType: IrValueType): IrNode {
    const g = this.g;
    g.types.set(to, toType);
    const toShape = toType.shape as number[];
    const nchw = perm === TO_NCHW ? toShape : (g.types.get(from)!.shape as number[]);
    if (isFreeTranspose(nchw)) return this.#reshapeNode(from, to, toShape);
    const transpose = newNode(g, {
      opType: 'Transpose',
      domain: '',
      name: this.#names.fresh(`${to}_transpose`),
      opset: onnxOpset(g),
      inputs: [from],
      outputs: [to],
      attributes: new Map([['perm', { type: 'ints', value: perm }]]),
    });
    this.#transposes.push(transpose);
    return transpose;
  }

  /** A Reshape of `from` to `to` with the constant target `shape` (a view: moves no data). */
  #reshapeNode(from: string, to: string, shape: readonly number[]): IrNode {
    const g = this.g;
    const shapeName = this.#names.fresh(`${to}_shape`);
    g.constants.set(shapeName, { name: shapeName, type: 'int64', dims: [shape.length], data: BigInt64Array.from(shape, (d) => BigInt(d)) });
    g.types.set(shapeName, { elemType: 'int64', shape: [shape.length] });
    return newNode(g, { opType: 'Reshape', domain: '', name: this.#names.fresh(`${to}_reshape`), opset: onnxOpset(g), inputs: [from, shapeName], outputs: [to] });
  }

  /**
   * The constant `name` in NHWC order: padded to rank 4 (NumPy broadcasting aligns trailing dims),
   * transposed, and for broadcast operands stripped of leading 1s ([1,C,1,1] → [C]).
   */
  #permutedConstant(name: string, broadcast: boolean): string {
    const key = `${name}\u0000${broadcast}`;
    const cached = this.#permuted.get(key);
    if (cached) return cached;
    const c = this.g.constants.get(name)!;
    const padded = [...new Array<number>(4 - c.dims.length).fill(1), ...c.dims];
    let result = name;
    if (!padded.every((d) => d === 1)) {
      let dims = permuteDims(padded, TO_NHWC);
      const data = transposeData(c.data, padded, TO_NHWC);
      if (broadcast) while (dims.length > 1 && dims[0] === 1) dims = dims.slice(1);
      result = this.#names.fresh(`${name}_nhwc`);
      const t: InitializerTensor = { name: result, type: c.type, dims, data };
      this.g.constants.set(result, t);
      this.g.types.set(result, { elemType: c.type, shape: [...dims] });
    }
    this.#permuted.set(key, result);
    return result;
  }

  #push(map: Map<IrNode, IrNode[]>, at: IrNode, node: IrNode): void {
    let list = map.get(at);
    if (!list) map.set(at, (list = []));
    list.push(node);
  }

  /** Splices the boundary nodes next to the nodes they serve, then re-sorts (a no-op on a sorted graph). */
  finish(): void {
    if (!this.#changed) return;
    const nodes: IrNode[] = [];
    for (const node of this.g.nodes) {
      nodes.push(...(this.#before.get(node) ?? []), node, ...(this.#after.get(node) ?? []));
    }
    this.g.nodes = nodes;
    this.#foldLayoutChains();
    sortNodes(this.g);
  }

  /**
   * An inserted Transpose often meets the model's own layout ops: a region's exit [0,3,1,2] followed
   * by Reshape / Squeeze and a Transpose [0,2,1] back to [N, W, C] (sequence heads of text
   * recognisers), or a model Transpose [0,3,1,2] right before a region's entry [0,2,3,1]. When such
   * a chain (Transpose, Reshape, Squeeze, Unsqueeze, Flatten, Identity) keeps every element in
   * place, its result is a Reshape of its start: the chain's last node becomes that Reshape (or
   * disappears when the shapes already match) and the nodes left without readers go.
   */
  #foldLayoutChains(): void {
    const g = this.g;
    const touched = new Set<IrNode>();
    for (const t of this.#transposes) {
      const producers = producerIndex(g);
      const uses = consumerIndex(g);
      if (!g.nodes.includes(t)) continue;
      const perm = (t.attributes.get('perm')!.value as number[]).map(Number);
      if (sameShape(perm, TO_NHWC)) {
        // Entry: walk back through the layout ops producing the tensor; keep the farthest start.
        const chain = [t];
        let best: string | null = null;
        for (let cur = t.inputs[0]!, steps = 0; steps < MAX_CHAIN; ++steps) {
          const p = producers.get(cur);
          if (!p || !isLayoutOp(g, p)) break;
          chain.unshift(p);
          cur = p.inputs[0]!;
          const start = concreteShape(g, cur);
          if (!start) break;
          if (keepsOrder(g, start, chain)) best = cur;
        }
        if (best !== null) {
          this.#replaceByView(t, best);
          chain.forEach((n) => touched.add(n));
        }
      } else {
        // Exit: follow each reader that is a layout op while the chain stays a single line.
        const x = t.inputs[0]!;
        const start = concreteShape(g, x)!;
        for (const use of uses.get(t.outputs[0]!) ?? []) {
          if (use.index !== 0 || !isLayoutOp(g, use.node)) continue;
          const chain = [t, use.node];
          let best = 0;
          for (;;) {
            if (keepsOrder(g, start, chain)) best = chain.length;
            const w = chain[chain.length - 1]!.outputs[0]!;
            const next = uses.get(w) ?? [];
            if (chain.length > MAX_CHAIN || this.outputs.has(w) || next.length !== 1 || next[0]!.index !== 0 || !isLayoutOp(g, next[0]!.node)) break;
            chain.push(next[0]!.node);
          }
          if (best > 0) {
            this.#replaceByView(chain[best - 1]!, x);
            chain.slice(0, best).forEach((n) => touched.add(n));
          }
        }
      }
    }
    // Drop the touched nodes nobody reads any more (a chain link may still feed other readers).
    for (let removed = true; removed; ) {
      removed = false;
      const uses = consumerIndex(g);
      const dead = new Set([...touched].filter((n) => g.nodes.includes(n) && n.outputs.every((o) => o === '' || (!uses.has(o) && !this.outputs.has(o)))));
      if (dead.size > 0) {
        removed = true;
        g.nodes = g.nodes.filter((n) => !dead.has(n));
        dead.forEach((n) => touched.delete(n));
      }
    }
  }

  /** Makes `node`'s output a view of `from` (same elements in the same order). */
  #replaceByView(node: IrNode, from: string): void {
    const g = this.g;
    const to = node.outputs[0]!;
    const shape = concreteShape(g, to)!;
    const index = g.nodes.indexOf(node);
    if (sameShape(shape, concreteShape(g, from)!) && !this.outputs.has(to)) {
      g.nodes.splice(index, 1);
      for (const n of g.nodes) for (let i = 0; i < n.inputs.length; ++i) if (n.inputs[i] === to) n.inputs[i] = from;
    } else {
      g.nodes[index] = this.#reshapeNode(from, to, shape);
    }
  }
}

/** Longest chain of layout ops the fold looks through. */
const MAX_CHAIN = 6;
/** Largest tensor whose chain the fold traces element by element. */
const MAX_TRACED_ELEMENTS = 1 << 22;
const LAYOUT_OPS = new Set(['Transpose', 'Reshape', 'Squeeze', 'Unsqueeze', 'Flatten', 'Identity']);

/** An operator that only rearranges its first input (known output shape, one output). */
function isLayoutOp(g: IrGraph, node: IrNode): boolean {
  return isOnnxDomain(node) && LAYOUT_OPS.has(node.opType) && onlyFirstOutput(node) && concreteShape(g, node.outputs[0]!) !== null;
}

/**
 * Does the chain (each node reading the previous one's output, the first reading a tensor of shape
 * `start`) leave every element at its flat position? Traced with an index tensor through the
 * Transposes; the other layout ops only rename the dims.
 */
function keepsOrder(g: IrGraph, start: readonly number[], chain: readonly IrNode[]): boolean {
  let dims = [...start];
  const count = elementCount(dims);
  if (count > MAX_TRACED_ELEMENTS) return false;
  let order: Int32Array | null = null; // null: still the identity
  for (const node of chain) {
    if (node.opType === 'Transpose') {
      const a = node.attributes.get('perm');
      const perm = a?.type === 'ints' ? a.value.map(Number) : dims.map((_, i) => dims.length - 1 - i);
      if (perm.length !== dims.length) return false;
      order = transposeIndices(order ?? Int32Array.from({ length: count }, (_, i) => i), dims, perm);
      dims = permuteDims(dims, perm);
    } else {
      dims = concreteShape(g, node.outputs[0]!)!;
    }
    if (elementCount(dims) !== count) return false;
  }
  return order === null || order.every((v, i) => v === i);
}

/** `data` (shape `dims`, any rank) transposed by `perm`. */
function transposeIndices(data: Int32Array, dims: readonly number[], perm: readonly number[]): Int32Array {
  const rank = dims.length;
  const strides = new Array<number>(rank);
  for (let i = rank - 1, s = 1; i >= 0; --i) [strides[i], s] = [s, s * dims[i]!];
  const outDims = permuteDims(dims, perm);
  const outStrides = permuteDims(strides, perm);
  const out = new Int32Array(data.length);
  const at = new Array<number>(rank).fill(0);
  let src = 0;
  for (let k = 0; k < out.length; ++k) {
    out[k] = data[src]!;
    for (let d = rank - 1; d >= 0; --d) {
      src += outStrides[d]!;
      if (++at[d]! < outDims[d]!) break;
      src -= outStrides[d]! * outDims[d]!;
      at[d] = 0;
    }
  }
  return out;
}
