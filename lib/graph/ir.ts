/**
 * The graph the passes work on: a mutable copy of an ONNX graph. Values are named (ONNX names);
 * constants (initializers, Constant nodes, folded results) live in `constants`; every value's type
 * and shape, as far as known, in `types`. Passes edit `nodes` in place and keep `types` current.
 */
import type { AttributeValue, InitializerTensor, OnnxDim, OnnxElemType } from '../onnx/model.js';

export interface IrNode {
  /** Unique within the graph; new nodes take graph.nextId++. */
  id: number;
  opType: string;
  /** '' for ai.onnx, 'com.microsoft', ... and 'octet' for the runtime's own operators. */
  domain: string;
  name: string;
  /** Opset version of the node's domain (from the model's opset imports). */
  opset: number;
  /** Value names; '' marks an omitted optional input or output. */
  inputs: string[];
  outputs: string[];
  attributes: Map<string, AttributeValue>;
}

export interface IrValueType {
  elemType: OnnxElemType;
  /** null when unknown; a dim is a number, a symbolic name, or null (unknown). */
  shape: OnnxDim[] | null;
}

export interface IrGraph {
  /** Values the caller feeds, in the model's order. */
  inputs: { name: string; type: IrValueType }[];
  /** Values run() returns, in the model's order. */
  outputs: { name: string; type: IrValueType }[];
  /** In topological order once sortNodes() ran. */
  nodes: IrNode[];
  constants: Map<string, InitializerTensor>;
  types: Map<string, IrValueType>;
  /** Opset version by domain ('' = ai.onnx). */
  opsets: Map<string, number>;
  nextId: number;
}
