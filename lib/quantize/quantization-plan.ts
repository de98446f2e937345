/**
 * Which parts of a float model static quantization turns int8, decided on the ONNX graph as onnxruntime's
 * QDQ quantizer does: the activations entering and leaving operators that have int8 kernels get a
 * QuantizeLinear → DequantizeLinear pair; their constant weights become int8 (symmetric, per output
 * channel by default) behind a DequantizeLinear; Conv and Gemm biases become int32 at scale
 * x_scale·w_scale. Operators without int8 kernels are left float (octet runs them as the Q/DQ fallback).
 */
import type { onnx as P } from 'onnx-proto';

/** How an operator's inputs are quantized: which are activations, which the weight (and its channel axis). */
interface OpRule {
  /** Inputs quantized as activations; an empty list leaves the node float. */
  activations: (node: P.INodeProto, isConstant: (v: string) => boolean, isScalar: (v: string) => boolean) => number[];
  weight?: (node: P.INodeProto) => { input: number; axis: number } | null;
  bias?: number;
}

const intAttr = (node: P.INodeProto, name: string, fallback: number): number => {
  const a = (node.attribute ?? []).find((x) => x.name === name);
  return a ? Number(a.i ?? fallback) : fallback;
};
const floatAttr = (node: P.INodeProto, name: string, fallback: number): number => {
  const a = (node.attribute ?? []).find((x) => x.name === name);
  return a ? Number(a.f ?? a.i ?? fallback) : fallback;
};

/** Every non-constant input. */
const dataInputs = (node: P.INodeProto, isConstant: (v: string) => boolean): number[] =>
  (node.input ?? []).map((v, i) => (v !== '' && !isConstant(v) ? i : -1)).filter((i) => i >= 0);

/**
 * An elementwise binary operator's quantized inputs: its tensor operand when the other is a scalar
 * constant (a table); both when both are tensors and `pairs` (QLinearAdd / QLinearMul); none otherwise
 * (a constant vector operand, or Sub / Div of two tensors, has no int8 kernel).
 */
function binaryActivations(node: P.INodeProto, isConstant: (v: string) => boolean, isScalar: (v: string) => boolean, pairs: boolean): number[] {
  const ins = node.input ?? [];
  if (ins.length !== 2) return [];
  const constants = ins.map((v) => isConstant(v));
  if (constants[0] && constants[1]) return [];
  if (constants[0] || constants[1]) return isScalar(ins[constants[0] ? 0 : 1]!) ? [constants[0] ? 1 : 0] : [];
  return pairs ? [0, 1] : [];
}

const RULES: Record<string, OpRule> = {
  Conv: { activations: () => [0], weight: () => ({ input: 1, axis: 0 }), bias: 2 },
  MatMul: {
    activations: (n, c) => dataInputs(n, c),
    weight: () => ({ input: 1, axis: 1 }),
  },
  Gemm: {
    activations: () => [0],
    // QGemm takes a bias at x_scale·w_scale only with alpha = beta = 1 and transA = 0.
    weight: (n) => (intAttr(n, 'transA', 0) === 0 && floatAttr(n, 'alpha', 1) === 1 && floatAttr(n, 'beta', 1) === 1 ? { input: 1, axis: intAttr(n, 'transB', 0) ? 0 : 1 } : null),
    bias: 2,
  },
  // With a scalar constant operand these are functions of one value (tables); with two tensors, Add
  // and Mul have int8 kernels (Sub and Div do not: a normalisation's x − mean or x / σ stays float).
  Add: { activations: (n, c, s) => binaryActivations(n, c, s, true) },
  Mul: { activations: (n, c, s) => binaryActivations(n, c, s, true) },
  Sub: { activations: (n, c, s) => binaryActivations(n, c, s, false) },
  Div: { activations: (n, c, s) => binaryActivations(n, c, s, false) },
  Concat: { activations: (n, c) => dataInputs(n, c) },
  AveragePool: { activations: () => [0] },
  GlobalAveragePool: { activations: () => [0] },
  MaxPool: { activations: () => [0] },
  GlobalMaxPool: { activations: () => [0] },
  Relu: { activations: () => [0] },
  Clip: { activations: () => [0] },
  LeakyRelu: { activations: () => [0] },
  Sigmoid: { activations: () => [0] },
  HardSigmoid: { activations: () => [0] },
  HardSwish: { activations: () => [0] },
  Tanh: { activations: () => [0] },
  Flatten: { activations: () => [0] },
  Reshape: { activations: () => [0] },
  Transpose: { activations: () => [0] },
  Squeeze: { activations: () => [0] },
  Unsqueeze: { activations: () => [0] },
  Resize: { activations: () => [0] },
};

export interface WeightPlan {
  name: string;
  /** Channel axis when quantized per channel, -1 per tensor. */
  axis: number;
}

export interface BiasPlan {
  name: string;
  /** The activation and the weight whose scales multiply into the bias scale. */
  activation: string;
  weight: string;
}

export interface QuantizationPlan {
  /** Activation tensors to quantize (graph inputs and node outputs), in graph order. */
  activations: string[];
  /** For each node index, the inputs to read dequantized: input position → activation or weight name. */
  weights: WeightPlan[];
  biases: BiasPlan[];
  /** Nodes whose inputs are rewired to dequantized values. */
  quantizedNodes: Set<number>;
}

export interface PlanOptions {
  perChannel: boolean;
  /** Node names and operator types to keep float. */
  exclude: Set<string>;
}

export function planQuantization(graph: P.IGraphProto, opsetVersion: number, options: PlanOptions): QuantizationPlan {
  const constants = new Set((graph.initializer ?? []).map((t) => t.name ?? ''));
  for (const n of graph.node ?? []) if (n.opType === 'Constant') for (const o of n.output ?? []) constants.add(o);
  const isConstant = (v: string) => constants.has(v);
  const initializerDims = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', (t.dims ?? []).map(Number)]));
  const isScalar = (v: string) => (initializerDims.get(v) ?? [0]).reduce((a, b) => a * b, 1) === 1;
  const outputs = new Set((graph.output ?? []).map((o) => o.name ?? ''));
  const consumers = new Map<string, P.INodeProto[]>();
  for (const n of graph.node ?? []) for (const v of n.input ?? []) if (v !== '') consumers.set(v, [...(consumers.get(v) ?? []), n]);
  const nodes = graph.node ?? [];
  const ruleOf = (n: P.INodeProto): OpRule | undefined =>
    (n.domain ?? '') === '' && !options.exclude.has(n.name ?? '') && !options.exclude.has(n.opType ?? '') ? RULES[n.opType ?? ''] : undefined;

  const activations = new Set<string>();
  const weights = new Map<string, WeightPlan>();
  const biases: BiasPlan[] = [];
  const quantizedNodes = new Set<number>();
  const perChannelOk = options.perChannel && opsetVersion >= 13;

  nodes.forEach((n, k) => {
    const rule = ruleOf(n);
    if (!rule) return;
    const ins = n.input ?? [];
    const quantizedInputs = rule.activations(n, isConstant, isScalar);
    if (quantizedInputs.length === 0 && !rule.weight) return;  // no int8 form: the node stays float
    quantizedNodes.add(k);
    for (const i of quantizedInputs) if (ins[i] && !isConstant(ins[i]!)) activations.add(ins[i]!);
    const w = rule.weight?.(n);
    if (w && ins[w.input] && isConstant(ins[w.input]!)) {
      weights.set(ins[w.input]!, { name: ins[w.input]!, axis: perChannelOk ? w.axis : -1 });
      const b = rule.bias !== undefined ? ins[rule.bias] : undefined;
      if (b && isConstant(b) && ins[0] && !isConstant(ins[0])) biases.push({ name: b, activation: ins[0], weight: ins[w.input]! });
    }
    // The output, unless it is a graph output (kept float, as the model's callers read it) or feeds
    // only a Relu / Clip that is quantized itself (the activation then folds into this operator).
    const out = (n.output ?? [])[0] ?? '';
    if (out === '' || outputs.has(out)) return;
    const readers = consumers.get(out) ?? [];
    const intoActivation = readers.length === 1 && (readers[0]!.opType === 'Relu' || readers[0]!.opType === 'Clip') && ruleOf(readers[0]!) !== undefined;
    if (!intoActivation) activations.add(out);
  });
  // A Conv / MatMul / Gemm output read only by a quantized Relu / Clip stays float: the activation
  // folds into the int8 operator, whose output the activation's QuantizeLinear then quantizes.
  const producer = new Map<string, P.INodeProto>();
  for (const n of nodes) for (const o of n.output ?? []) producer.set(o, n);
  for (const n of nodes) {
    if ((n.opType !== 'Relu' && n.opType !== 'Clip') || !ruleOf(n)) continue;
    const x = (n.input ?? [])[0] ?? '';
    const p = producer.get(x);
    if (p && ruleOf(p)?.weight && (consumers.get(x) ?? []).length === 1) activations.delete(x);
  }
  // A bias whose activation stays float cannot be quantized at x_scale·w_scale.
  const kept = biases.filter((b) => activations.has(b.activation));
  return { activations: [...activations], weights: [...weights.values()], biases: kept, quantizedNodes };
}
