/**
 * What TypeScript hands to native, once per session and input-shape signature: every value with its
 * dtype, concrete shape and storage, and the nodes in execution order. Native builds one operator per
 * node from it (checking it again) and then only binds inputs and outputs on each run.
 */

/** ONNX TensorProto.DataType codes (1 float32, 2 uint8, 3 int8, 6 int32, 7 int64, 9 bool, 10 float16, ...). */
export type DTypeCode = number;

export type PlanStorage =
  /** In the run's arena at `offset` (bytes, 64-aligned); values with disjoint lifetimes share bytes. */
  | { kind: 'arena'; offset: number }
  /** A session constant (initializer), by its index in the session's constant table. */
  | { kind: 'initializer'; index: number }
  /** A constant made while planning (folded shape arithmetic and the like), data inline. */
  | { kind: 'constant'; data: ArrayBufferView }
  /** The caller's feed `index` (position in NativePlan.inputs). */
  | { kind: 'input'; index: number }
  /** The result buffer `index` (position in NativePlan.outputs), allocated by TypeScript per run. */
  | { kind: 'output'; index: number };

export interface PlanValue {
  /** For error messages. */
  name: string;
  dtype: DTypeCode;
  shape: number[];
  storage: PlanStorage;
}

export type PlanAttribute =
  | { name: string; type: 'int'; value: number }
  | { name: string; type: 'float'; value: number }
  | { name: string; type: 'string'; value: string }
  | { name: string; type: 'ints'; value: number[] }
  | { name: string; type: 'floats'; value: number[] }
  | { name: string; type: 'strings'; value: string[] };

export interface PlanNode {
  opType: string;
  domain: string;
  name: string;
  opset: number;
  /** Value ids (indices into NativePlan.values); -1 for an omitted optional input/output. */
  inputs: number[];
  outputs: number[];
  attributes: PlanAttribute[];
}

export interface NativePlan {
  values: PlanValue[];
  /** In execution order. */
  nodes: PlanNode[];
  /** Bytes of the arena one run needs (peak of the memory plan). */
  arenaBytes: number;
  /** Value ids of the feeds, in the session's inputNames order. */
  inputs: number[];
  /** Value ids of the results, in the session's outputNames order. */
  outputs: number[];
}
