/**
 * Letting go of a model's raw weights once the native session has packed them.
 *
 * A float Conv / ConvTranspose / Gemm / MatMul weight is read once, to pack it into the GEMM's panel
 * order, and never again: every later plan (another batch size, another image width) finds the same
 * packing in the session's WeightCache. Keeping the raw bytes as well would hold the model twice
 * (PaddleOCR rec: 10 MiB raw beside 12 MiB packed). Such weights go to native marked `packOnly`:
 * a plan's build gives their pages back as soon as it has packed them (a model file is read into
 * native model memory for that: lib/session/model-file.ts), and afterwards the session drops its own
 * references, leaving an accessor that says so should anything still ask for the values.
 */
import type { IrGraph } from '../graph/ir.js';
import type { InitializerTensor } from '../onnx/model.js';

/** Operators whose input 1, a float32 constant, native reads only through the WeightCache. */
const PACKED_WEIGHT_OPS = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul']);

/** Names of the float32 constants whose every use is a packed weight (and which are not graph outputs). */
export function packOnlyConstants(graph: IrGraph): Set<string> {
  const usable = new Map<string, boolean>();
  for (const node of graph.nodes) {
    const packs = PACKED_WEIGHT_OPS.has(node.opType) && (node.domain === '' || node.domain === 'ai.onnx');
    node.inputs.forEach((name, i) => {
      if (name === '' || !graph.constants.has(name)) return;
      usable.set(name, (usable.get(name) ?? true) && packs && i === 1);
    });
  }
  for (const o of graph.outputs) usable.set(o.name, false);
  const names = new Set<string>();
  for (const [name, ok] of usable) if (ok && graph.constants.get(name)!.type === 'float32') names.add(name);
  return names;
}

/** Replaces a released constant's bytes with an accessor that says so, should anything still ask. */
export function markReleased(constant: InitializerTensor): void {
  Object.defineProperty(constant, 'data', {
    configurable: true,
    enumerable: true,
    get(): never {
      throw new Error(`constant '${constant.name}' was released after the native session packed it; its raw values are no longer available`);
    },
  });
}
