/**
 * The float graph quantization starts from: the model as the runtime reads it, with identities gone
 * and BatchNormalization folded into its convolutions (so a convolution's weights are what gets
 * quantized, and no float BN sits between int8 operators), every constant an initializer.
 */
import { readFile } from 'node:fs/promises';
import { graphFromModel } from '../graph/from-onnx.js';
import type { IrGraph } from '../graph/ir.js';
import { foldBatchNorm, removeDeadNodes, removeIdentities, sortNodes } from '../graph/passes/index.js';
import { readModel } from '../onnx/index.js';

export async function floatGraph(model: string | Uint8Array, caller: string): Promise<{ graph: IrGraph; bytes: Uint8Array }> {
  const bytes = typeof model === 'string' ? new Uint8Array(await readFile(model)) : model;
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`${caller}: model must be a path or a Uint8Array`);
  const graph = graphFromModel(readModel(bytes));
  removeIdentities(graph);
  foldBatchNorm(graph);
  removeDeadNodes(graph);
  sortNodes(graph);
  return { graph, bytes };
}
