/**
 * The operators the runtime supports: which (domain, opType) pairs native implements, for which
 * opset versions, and what the planner may assume about each one. checkSupported() (from-onnx.ts)
 * rejects a model against this table at create(); shape inference and folding know more operators
 * than this (so a model can be analysed before it is rejected), but only these ever reach native.
 */

export interface OperatorInfo {
  /** '' for ai.onnx, 'octet' for the runtime's own operators. */
  domain: string;
  opType: string;
  /** Opset versions of the domain the runtime implements (inclusive). */
  minOpset: number;
  maxOpset: number;
  /**
   * Input positions whose VALUES determine output shapes (Reshape's shape, Slice's starts...): they must
   * be constants once the plan is built (folded, initializers, or fed values baked into the plan).
   */
  parameterInputs: number[];
  /**
   * Output 0 may be written over input 0 (elementwise, reading each element before writing it). The
   * planner may only do so when both have the same byte size (same shape and element size).
   */
  inPlace: boolean;
  /** Output 0 holds input 0's bytes unchanged (a reshape-like view): the planner may share storage. */
  view: boolean;
}

/** Highest ai.onnx opset the runtime knows. */
export const MAX_OPSET = 21;
/**
 * Lowest ai.onnx opset the runtime accepts. Operators of opsets 1-6 are read in their old attribute
 * forms or rewritten into their opset-7 forms (lib/graph/legacy-opsets.ts); an entry's own minOpset
 * is the first opset defining it.
 */
export const MIN_OPSET = 1;

type Entry = [opType: string, minOpset?: number, options?: { parameterInputs?: number[]; inPlace?: boolean; view?: boolean; maxOpset?: number }];

const unary = { inPlace: true };
// Binary and variadic elementwise operators whose output dtype equals input 0's.
const binary = { inPlace: true };

const AI_ONNX: Entry[] = [
  // Linear algebra and convolution.
  ['Conv'], ['ConvTranspose'], ['Gemm'], ['MatMul'],
  // Normalization.
  ['BatchNormalization'], ['InstanceNormalization'], ['LayerNormalization', 17], ['GroupNormalization', 18],
  // Unary elementwise (same shape and dtype as input 0).
  ['Relu', 1, unary], ['LeakyRelu', 1, unary], ['Elu', 1, unary], ['Selu', 1, unary], ['Celu', 12, unary],
  ['Clip', 1, unary], ['Sigmoid', 1, unary], ['HardSigmoid', 1, unary], ['HardSwish', 14, unary],
  ['Tanh', 1, unary], ['Erf', 9, unary], ['Gelu', 20, unary], ['Exp', 1, unary], ['Log', 1, unary],
  ['Sqrt', 1, unary], ['Abs', 1, unary], ['Neg', 1, unary], ['Reciprocal', 1, unary], ['Floor', 1, unary],
  ['Ceil', 1, unary], ['Round', 11, unary], ['Sign', 9, unary], ['Softplus', 1, unary],
  ['Softsign', 1, unary], ['Sin', 7, unary], ['Cos', 7, unary], ['Mish', 18, unary], ['Not', 1, unary],
  // Unary with a bool result: never in place (the element size changes).
  ['IsNaN', 9], ['IsInf', 10],
  // Binary / variadic elementwise with numpy broadcasting (opsets 1-6: limited broadcasting, lowered).
  ['PRelu', 1, binary], ['Add', 1, binary], ['Sub', 1, binary], ['Mul', 1, binary], ['Div', 1, binary],
  ['Pow', 1, binary], ['Max', 1, binary], ['Min', 1, binary], ['Sum', 1, binary], ['Mean', 1, binary],
  ['Mod', 10, binary], ['And', 1, binary], ['Or', 1, binary], ['Xor', 1, binary], ['BitShift', 11, binary],
  // Comparisons produce bool: not in place even when the element size happens to match (int8, uint8).
  ['Equal'], ['Less'], ['Greater'], ['LessOrEqual', 12], ['GreaterOrEqual', 12],
  ['Where', 9], ['Cast'], ['CastLike', 15],
  ['Softmax'], ['LogSoftmax'], ['Hardmax'],
  // Pooling.
  ['MaxPool'], ['AveragePool'], ['GlobalAveragePool'], ['GlobalMaxPool'],
  // Reductions: input 1 is `axes` from opset 13 (ReduceSum) / 18 (the others).
  ['ReduceSum', 1, { parameterInputs: [1] }], ['ReduceMean', 1, { parameterInputs: [1] }],
  ['ReduceMax', 1, { parameterInputs: [1] }], ['ReduceMin', 1, { parameterInputs: [1] }],
  ['ReduceProd', 1, { parameterInputs: [1] }], ['ReduceL1', 1, { parameterInputs: [1] }],
  ['ReduceL2', 1, { parameterInputs: [1] }], ['ReduceLogSum', 1, { parameterInputs: [1] }],
  ['ReduceLogSumExp', 1, { parameterInputs: [1] }], ['ReduceSumSquare', 1, { parameterInputs: [1] }],
  ['ArgMax'], ['ArgMin'],
  // Data movement. Split-1's input 1 and Tile-1's inputs 1 (tiles) and 2 (axis) are parameters too.
  ['Concat'], ['Split', 1, { parameterInputs: [1] }], ['Slice', 1, { parameterInputs: [1, 2, 3, 4] }],
  ['Gather'], ['GatherElements', 11],
  ['Reshape', 1, { parameterInputs: [1], view: true }], ['Flatten', 1, { view: true }], ['Transpose'],
  ['Squeeze', 1, { parameterInputs: [1], view: true }], ['Unsqueeze', 1, { parameterInputs: [1], view: true }],
  ['Expand', 8, { parameterInputs: [1] }], ['Tile', 1, { parameterInputs: [1, 2] }],
  // Pad-1's 'paddings' layout is ambiguous (legacy-opsets.ts).
  ['Pad', 2, { parameterInputs: [1, 2, 3] }],
  ['Resize', 10, { parameterInputs: [1, 2, 3] }],
  // Upsample-1 was experimental (height_scale / width_scale, rewritten); deprecated by opset 10 (Resize).
  ['Upsample', 1, { parameterInputs: [1], maxOpset: 9 }],
  ['DepthToSpace'], ['SpaceToDepth'],
  ['Shape'], ['Size'], ['ConstantOfShape', 9, { parameterInputs: [0] }], ['Range', 11, { parameterInputs: [0, 1, 2] }],
  ['Identity', 1, { view: true }], ['Dropout', 1, { view: true }],
  // Quantization.
  ['QuantizeLinear', 10], ['DequantizeLinear', 10], ['DynamicQuantizeLinear', 11], ['MatMulInteger', 10],
  ['QLinearMatMul', 10], ['QLinearConv', 10], ['ConvInteger', 10],
];

function makeInfo(domain: string, [opType, minOpset = MIN_OPSET, options = {}]: Entry, maxOpset: number): OperatorInfo {
  return {
    domain,
    opType,
    minOpset,
    maxOpset: options.maxOpset ?? maxOpset,
    parameterInputs: options.parameterInputs ?? [],
    inPlace: options.inPlace ?? false,
    view: options.view ?? false,
  };
}

/**
 * com.microsoft operators (onnxruntime's contrib domain, version 1): the quantized operators of
 * QOperator models, which octet's QDQ fusion also produces.
 */
const MICROSOFT: Entry[] = [
  ['QGemm'], ['QLinearAdd'], ['QLinearMul'], ['QLinearGlobalAveragePool'], ['QLinearAveragePool'],
  // Weight-only quantized MatMul (4/8-bit codes dequantized inside the kernel).
  ['MatMulNBits'],
];

/** Every supported operator. */
export const OPERATORS: readonly OperatorInfo[] = Object.freeze([
  ...AI_ONNX.map((e) => makeInfo('', e, MAX_OPSET)),
  ...MICROSOFT.map((e) => makeInfo('com.microsoft', e, 1)),
  // A 256-entry table applied to each byte: any function of one quantized tensor (QDQ fusion).
  makeInfo('octet', ['QLinearLookup', 1, { inPlace: true }], 1),
  // The planner's plain copy (a graph output that is an input or a constant, or listed twice).
  makeInfo('octet', ['Copy', 1, { inPlace: false }], 1),
].map((info) => Object.freeze(info)));

const byKey = new Map<string, OperatorInfo>(OPERATORS.map((info) => [`${info.domain}::${info.opType}`, info]));

/** Normalizes 'ai.onnx' to '' (both name the default domain). */
export function normalizeDomain(domain: string): string {
  return domain === 'ai.onnx' ? '' : domain;
}

/** The table entry for (domain, opType), or undefined when the runtime does not implement it. */
export function operatorInfo(domain: string, opType: string): OperatorInfo | undefined {
  return byKey.get(`${normalizeDomain(domain)}::${opType}`);
}

/** "Reshape", or "com.microsoft::Attention" outside the default domain: how errors name an operator. */
export function operatorLabel(domain: string, opType: string): string {
  const d = normalizeDomain(domain);
  return d === '' ? opType : `${d}::${opType}`;
}
