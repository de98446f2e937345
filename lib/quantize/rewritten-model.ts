/**
 * The last step of the quantizers that rewrite the float graph directly (quantizeDynamic,
 * quantizeWeights): drop what no node reads any more, write the ONNX file, and report what changed.
 */
import type { IrGraph } from '../graph/ir.js';
import { removeDeadNodes } from '../graph/passes/index.js';
import { writeModel } from '../onnx/write-model.js';
import { QuantizedModel, type QuantizationReport } from './quantize-static.js';

export interface Rewrite {
  method: QuantizationReport['method'];
  /** The least ai.onnx opset the new nodes need (the model's own is kept when higher). */
  minOpset: number;
  /** Node names before the rewrite, and the ones whose weights were quantized. */
  originalNames: string[];
  quantizedNodes: string[];
  weights: QuantizationReport['weights'];
  bytesBefore: number;
}

export function rewrittenModel(g: IrGraph, r: Rewrite): QuantizedModel {
  removeDeadNodes(g);
  const written = writeModel(g, { opset: Math.max(g.opsets.get('') ?? 0, r.minOpset) });
  const quantized = new Set(r.quantizedNodes);
  const report: QuantizationReport = {
    method: r.method,
    calibrationBatches: 0,
    activations: [],
    weights: r.weights,
    quantizedNodes: r.quantizedNodes,
    floatNodes: r.originalNames.filter((name) => !quantized.has(name)),
    bytesBefore: r.bytesBefore,
    bytesAfter: written.length,
    layers: [],
    weightHistograms: [],
  };
  return new QuantizedModel(written, report);
}
