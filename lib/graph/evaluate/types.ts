/** What an evaluator is: how constant folding computes one operator's outputs in TypeScript. */
import type { TensorData } from '../../onnx/model.js';
import type { NodeContext, TensorType } from '../shapes/context.js';

export interface Evaluator {
  /**
   * Input positions whose DATA must be known to fold the node (default: every given input). Shape and
   * Size need none: their input's shape is enough.
   */
  dataInputs?: (c: NodeContext) => number[];
  /**
   * The data of each output (shapes and types already computed by the shape rule, given as `outputs`),
   * or undefined when this case is left to native code (an element type folding does not handle,
   * behaviour ONNX leaves undefined such as integer division by zero).
   */
  run(c: NodeContext, outputs: TensorType[]): TensorData[] | undefined;
}
