/**
 * lowerQOperators: the com.microsoft quantized operators of onnxruntime's QOperator format that have
 * no kernel of their own are rewritten, once at create(), into operators that do:
 *
 *   QLinearLeakyRelu, QLinearSigmoid   → octet QLinearLookup (a 256-entry table) when the scales
 *                                         and zero points are constants, else DQ → op → Q
 *   QLinearConcat                      → a table per input whose quantization differs from the
 *                                         output's (none where they agree), then Concat on the bytes
 *   QLinearSoftmax                     → DQ → Softmax → Q (the Q/DQ fallback)
 *
 * This runs whatever the optimisation level: it is how these operators execute at all.
 */
import type { AttributeValue, OnnxElemType } from '../../onnx/model.js';
import type { IrGraph, IrNode } from '../ir.js';
import { floatAttribute, intAttribute, NameAllocator } from './graph-queries.js';
import { lookupTable, unaryFunction, type QuantParams } from './lookup-tables.js';

/** Constant per-tensor parameters (scale input, zero-point input), or null. */
function constantParams(g: IrGraph, scale: string, zeroPoint: string, type: OnnxElemType | undefined): QuantParams | null {
  const s = g.constants.get(scale);
  if (!s || s.type !== 'float32' || s.data.length !== 1) return null;
  if (zeroPoint === '') return type === 'uint8' || type === 'int8' ? { scale: Number(s.data[0]), zeroPoint: 0, type } : null;
  const z = g.constants.get(zeroPoint);
  if (!z || z.data.length !== 1 || (z.type !== 'uint8' && z.type !== 'int8')) return null;
  return { scale: Number(s.data[0]), zeroPoint: Number(z.data[0]), type: z.type };
}

export function lowerQOperators(g: IrGraph): void {
  if (!g.nodes.some((n) => n.domain === 'com.microsoft')) return;
  const names = new NameAllocator(g);
  const typeOf = (v: string) => g.constants.get(v)?.type ?? g.types.get(v)?.elemType;
  const make = (base: IrNode, opType: string, inputs: string[], outputs: string[], fields: Partial<IrNode> = {}): IrNode => ({
    id: g.nextId++,
    name: names.fresh(`${base.name}_${opType}`),
    opType,
    domain: '',
    opset: g.opsets.get('') ?? 13,
    inputs,
    outputs,
    attributes: new Map(),
    ...fields,
  });
  const fresh = (base: string, elemType: OnnxElemType) => {
    const name = names.fresh(base);
    g.types.set(name, { elemType, shape: null });
    return name;
  };
  const table = (base: IrNode, input: string, output: string, f: (x: number) => number, from: QuantParams, to: QuantParams): IrNode => {
    const name = names.fresh(`${base.name}_table`);
    g.constants.set(name, { name, type: to.type, dims: [256], data: lookupTable(f, from, to) });
    g.types.set(name, { elemType: to.type, shape: [256] });
    return make(base, 'QLinearLookup', [input, name], [output], { domain: 'octet', opset: 1 });
  };
  // DQ(x) → op → Q, for when a table cannot be made.
  const fallback = (node: IrNode, opType: string, x: string[], y: [string, string], attributes: Map<string, AttributeValue>, opset?: number): IrNode[] => {
    const dq = fresh(`${node.name}_dequantized`, 'float32');
    const result = fresh(`${node.name}_float`, 'float32');
    return [
      make(node, 'DequantizeLinear', x, [dq]),
      make(node, opType, [dq], [result], { attributes, ...(opset === undefined ? {} : { opset }) }),
      make(node, 'QuantizeLinear', [result, ...y], [node.outputs[0]!]),
    ];
  };

  const out: IrNode[] = [];
  for (const node of g.nodes) {
    if (node.domain !== 'com.microsoft') {
      out.push(node);
      continue;
    }
    const [x = '', xs = '', xz = '', ys = '', yz = ''] = node.inputs;
    switch (node.opType) {
      case 'QLinearLeakyRelu':
      case 'QLinearSigmoid': {
        const op = node.opType === 'QLinearSigmoid' ? 'Sigmoid' : 'LeakyRelu';
        const from = constantParams(g, xs, xz, typeOf(x));
        const to = constantParams(g, ys, yz, typeOf(x));
        const f = unaryFunction(op, (name, fallbackValue) => floatAttribute(node, name, fallbackValue));
        if (from && to && f) out.push(table(node, x, node.outputs[0]!, f, from, to));
        else {
          const attributes = new Map<string, AttributeValue>(op === 'LeakyRelu' ? [['alpha', { type: 'float', value: floatAttribute(node, 'alpha', 0.01) }]] : []);
          out.push(...fallback(node, op, [x, xs, xz].filter((v, i) => i < 2 || v !== ''), [ys, yz], attributes));
        }
        break;
      }
      case 'QLinearSoftmax': {
        // Its `opset` attribute says which Softmax it follows (before 13: over the flattened trailing axes).
        const opset = intAttribute(node, 'opset', g.opsets.get('') ?? 13);
        const axis = intAttribute(node, 'axis', opset < 13 ? 1 : -1);
        out.push(...fallback(node, 'Softmax', [x, xs, xz].filter((v, i) => i < 2 || v !== ''), [ys, yz], new Map<string, AttributeValue>([['axis', { type: 'int', value: axis }]]), opset));
        break;
      }
      case 'QLinearConcat': {
        const [yScale = '', yZero = ''] = node.inputs;
        const yType = typeOf(yZero);
        const to = constantParams(g, yScale, yZero, yType);
        const parts: string[] = [];
        for (let i = 2; i + 2 < node.inputs.length; i += 3) {
          const [xi = '', si = '', zi = ''] = node.inputs.slice(i, i + 3);
          const from = constantParams(g, si, zi, typeOf(xi));
          if (to && from && from.scale === to.scale && from.zeroPoint === to.zeroPoint && from.type === to.type) {
            parts.push(xi);
          } else if (to && from) {
            const requantized = fresh(`${xi}_requantized`, to.type);
            out.push(table(node, xi, requantized, (v) => v, from, to));
            parts.push(requantized);
          } else {
            const dq = fresh(`${xi}_dequantized`, 'float32');
            const q = fresh(`${xi}_requantized`, yType ?? 'uint8');
            out.push(make(node, 'DequantizeLinear', [xi, si, zi].filter((v, k) => k < 2 || v !== ''), [dq]));
            out.push(make(node, 'QuantizeLinear', [dq, yScale, yZero].filter((v, k) => k < 2 || v !== ''), [q]));
            parts.push(q);
          }
        }
        out.push(make(node, 'Concat', parts, [node.outputs[0]!], { name: node.name, attributes: new Map<string, AttributeValue>([['axis', { type: 'int', value: intAttribute(node, 'axis', 0) }]]) }));
        break;
      }
      default:
        out.push(node);
    }
  }
  g.nodes = out;
}
