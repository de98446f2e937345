/**
 * Graph passes. optimizeGraph() runs once per session at create() (shapes may still be symbolic,
 * constants are known); applyChannelsLast() runs per input-shape signature on concrete shapes.
 */
import type { IrGraph } from '../ir.js';
import { foldBatchNorm } from './fold-batch-norm.js';
import { fuseActivations } from './fuse-activations.js';
import { composeLookups } from './compose-lookups.js';
import { fuseQdq } from './fuse-qdq.js';
import { lookupBinary } from './lookup-binary.js';
import { removeDeadNodes } from './remove-dead-nodes.js';
import { removeIdentities } from './remove-identities.js';
import { sortNodes } from './sort-nodes.js';

export { applyChannelsLast } from './channels-last.js';
export { foldBatchNorm } from './fold-batch-norm.js';
export { fuseActivations } from './fuse-activations.js';
export { composeLookups } from './compose-lookups.js';
export { fuseQdq } from './fuse-qdq.js';
export { lookupBinary } from './lookup-binary.js';
export { lowerQOperators } from './lower-qoperators.js';
export { removeDeadNodes } from './remove-dead-nodes.js';
export { removeIdentities } from './remove-identities.js';
export { sortNodes, topologicalOrder, type ReadyPriority } from './sort-nodes.js';

/**
 * The create-time pipeline. Order matters: identities go first so Conv → Identity → BN still folds;
 * QDQ groups become int8 operators before anything else rewrites the float ops they are made of;
 * BN folds before fusion so Conv → BN → Relu becomes one Conv with a fused Relu; dead nodes (and the
 * weights folding replaced) go before the final sort, which also reports cycles.
 */
export function optimizeGraph(g: IrGraph): void {
  sortNodes(g);
  removeIdentities(g);
  fuseQdq(g);
  removeDeadNodes(g);  // the DQs fusion left unread, so that chains of tables see single readers
  composeLookups(g);
  lookupBinary(g);  // hard-swish: Mul(x, table(x)) → one table, then composed with its neighbours
  removeDeadNodes(g);
  composeLookups(g);
  foldBatchNorm(g);
  fuseActivations(g);
  removeDeadNodes(g);
  sortNodes(g);
}
