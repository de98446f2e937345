/** Every evaluator constant folding has, by operator (ai.onnx only). */
import { normalizeDomain } from '../operators.js';
import { elementwiseEvaluators } from './elementwise.js';
import { generateEvaluators } from './generate.js';
import { movementEvaluators } from './movement.js';
import { quantizeEvaluators } from './quantize.js';
import { reduceEvaluators } from './reduce.js';
import type { Evaluator } from './types.js';

const EVALUATORS: Record<string, Evaluator> = {
  ...elementwiseEvaluators,
  ...movementEvaluators,
  ...generateEvaluators,
  ...reduceEvaluators,
  ...quantizeEvaluators,
};

/** The evaluator of (domain, opType), or undefined when folding cannot compute that operator. */
export function evaluatorFor(domain: string, opType: string): Evaluator | undefined {
  if (normalizeDomain(domain) !== '') return undefined;
  return Object.prototype.hasOwnProperty.call(EVALUATORS, opType) ? EVALUATORS[opType] : undefined;
}

export type { Evaluator } from './types.js';
