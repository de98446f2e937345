/**
 * Checking what run() receives against the model: every input fed once with the right element type,
 * rank and fixed dimensions; symbolic dimensions consistent across inputs; fetches that name outputs.
 * Errors name the input and say what was expected, like onnxruntime's, but before any native work.
 */
import type { OnnxDim } from '../onnx/model.js';
import { formatDims, describeValue } from '../errors.js';
import { Tensor, isTensorType, type TensorType } from '../tensor.js';

export interface ModelInput {
  name: string;
  type: TensorType;
  /** Declared dims: number (fixed), string (symbolic) or null (unknown); null when no shape is declared. */
  dims: OnnxDim[] | null;
}

export type Feeds = Record<string, Tensor>;

/** Declared dims with symbolic names: [N,3,224,224]. */
function formatDeclared(dims: readonly OnnxDim[]): string {
  return `[${dims.map((d) => (d === null ? '?' : String(d))).join(',')}]`;
}

function isTensorLike(v: unknown): v is { type: TensorType; data: ArrayBufferView; dims: readonly number[] } {
  if (v instanceof Tensor) return true;
  if (typeof v !== 'object' || v === null) return false;
  const o = v as { type?: unknown; data?: unknown; dims?: unknown };
  return isTensorType(o.type) && ArrayBuffer.isView(o.data) && Array.isArray(o.dims);
}

/** Input names per model input list: checkFeeds runs on every run, the set is made once. */
const inputNameSets = new WeakMap<readonly ModelInput[], ReadonlySet<string>>();

function inputNameSet(inputs: readonly ModelInput[]): ReadonlySet<string> {
  let names = inputNameSets.get(inputs);
  if (!names) inputNameSets.set(inputs, (names = new Set(inputs.map((i) => i.name))));
  return names;
}

/** Returns the feeds in input order, as Tensors; throws naming the first problem. */
export function checkFeeds(feeds: unknown, inputs: readonly ModelInput[]): Tensor[] {
  if (typeof feeds !== 'object' || feeds === null || Array.isArray(feeds)) {
    throw new TypeError(`run: feeds must be an object mapping input names to Tensors, got ${describeValue(feeds)}`);
  }
  const record = feeds as Record<string, unknown>;
  const names = inputNameSet(inputs);
  for (const key in record) {
    if (!Object.hasOwn(record, key)) continue;
    if (!names.has(key)) throw new TypeError(`run: '${key}' is not an input of this model; its inputs are ${[...names].map((n) => `'${n}'`).join(', ')}`);
  }
  let symbols: Map<string, { size: number; input: string }> | undefined;  // made only for symbolic dims
  const tensors: Tensor[] = [];
  for (const input of inputs) {
    const value = record[input.name];
    if (value === undefined) throw new TypeError(`run: input '${input.name}' is missing from feeds`);
    if (value instanceof Tensor && value.location === 'none') throw new Error(`run: input '${input.name}' is a disposed tensor`);
    if (!isTensorLike(value)) throw new TypeError(`run: input '${input.name}' must be a Tensor, got ${describeValue(value)}`);
    // A tensor-like object from elsewhere is re-checked by the Tensor constructor (data length vs dims).
    const tensor: Tensor = value instanceof Tensor ? value : new Tensor(value.type, value.data as never, value.dims);
    if (tensor.type !== input.type) {
      throw new TypeError(`run: input '${input.name}' must be a ${input.type} tensor, got ${tensor.type}`);
    }
    const declared = input.dims;
    if (declared) {
      if (tensor.dims.length !== declared.length) {
        throw new RangeError(`run: input '${input.name}' must have rank ${declared.length} (dims ${formatDeclared(declared)}), got dims ${formatDims(tensor.dims)}`);
      }
      for (let axis = 0; axis < declared.length; axis++) {
        const d = declared[axis];
        const got = tensor.dims[axis]!;
        if (typeof d === 'number' && d !== got) {
          throw new RangeError(`run: input '${input.name}' must have ${d} at axis ${axis} (dims ${formatDeclared(declared)}), got dims ${formatDims(tensor.dims)}`);
        }
        if (typeof d === 'string') {
          symbols ??= new Map();
          const seen = symbols.get(d);
          if (seen && seen.size !== got) {
            throw new RangeError(`run: dimension '${d}' is ${seen.size} in input '${seen.input}' but ${got} in input '${input.name}'`);
          }
          symbols.set(d, { size: got, input: input.name });
        }
      }
    }
    tensors.push(tensor);
  }
  return tensors;
}

const outputNameSets = new WeakMap<readonly string[], ReadonlySet<string>>();

function outputNameSet(outputNames: readonly string[]): ReadonlySet<string> {
  let known = outputNameSets.get(outputNames);
  if (!known) outputNameSets.set(outputNames, (known = new Set(outputNames)));
  return known;
}

/** The output names run() returns: all of them, or those `fetches` names (an array or an object's keys). */
export function checkFetches(fetches: unknown, outputNames: readonly string[]): readonly string[] {
  if (fetches === undefined || fetches === null) return outputNames;
  let names: unknown[];
  if (Array.isArray(fetches)) names = fetches;
  else if (typeof fetches === 'object') names = Object.keys(fetches);
  else throw new TypeError(`run: fetches must be an array of output names or an object, got ${describeValue(fetches)}`);
  const known = outputNameSet(outputNames);
  for (const n of names) {
    if (typeof n !== 'string' || !known.has(n)) {
      throw new TypeError(`run: ${typeof n === 'string' ? `'${n}'` : describeValue(n)} is not an output of this model; its outputs are ${outputNames.map((o) => `'${o}'`).join(', ')}`);
    }
  }
  return names as string[];
}
