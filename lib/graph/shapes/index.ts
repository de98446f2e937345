/** Every shape rule, by operator: the families' tables merged, looked up by (domain, opType). */
import { normalizeDomain } from '../operators.js';
import type { ShapeRule } from './context.js';
import { contribRules, octetQuantizedRules } from './contrib.js';
import { convRules } from './conv.js';
import { elementwiseRules } from './elementwise.js';
import { matmulRules } from './matmul.js';
import { matmulNBits } from './matmul-nbits.js';
import { normalizationRules } from './normalization.js';
import { quantizeRules } from './quantize.js';
import { reduceRules } from './reduce.js';
import { resizeRules } from './resize.js';
import { tensorRules } from './tensor.js';

const AI_ONNX_RULES: Record<string, ShapeRule> = {
  ...elementwiseRules,
  ...convRules,
  ...matmulRules,
  ...normalizationRules,
  ...reduceRules,
  ...tensorRules,
  ...resizeRules,
  ...quantizeRules,
};

const OCTET_RULES: Record<string, ShapeRule> = {
  Copy: (c) => [{ ...c.input(0), shape: [...c.shape(0)] }],
  ...octetQuantizedRules,
};

const MICROSOFT_RULES: Record<string, ShapeRule> = { ...contribRules, MatMulNBits: matmulNBits };

/** The shape rule of (domain, opType), or undefined when shape inference does not know the operator. */
export function shapeRule(domain: string, opType: string): ShapeRule | undefined {
  const d = normalizeDomain(domain);
  const table = d === '' ? AI_ONNX_RULES : d === 'octet' ? OCTET_RULES : d === 'com.microsoft' ? MICROSOFT_RULES : undefined;
  return table && Object.prototype.hasOwnProperty.call(table, opType) ? table[opType] : undefined;
}

export { NodeContext, type ShapeRule, type TensorType } from './context.js';
