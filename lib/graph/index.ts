/** The graph layer: ONNX → IR, the operator table, shape inference, folding and the passes. Pure TypeScript. */
export { graphFromModel, checkSupported, topologicalOrder } from './from-onnx.js';
export { checkQuantization } from './check-quantization.js';
export { cloneGraph } from './clone.js';
export { inferTypes } from './shape-inference.js';
export { foldConstants, parameterInputNames } from './fold.js';
export { operatorInfo, OPERATORS } from './operators.js';
export { applyChannelsLast, optimizeGraph } from './passes/index.js';
export type { IrGraph, IrNode, IrValueType } from './ir.js';
