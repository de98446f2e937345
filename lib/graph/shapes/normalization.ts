/** Shape rules of normalizations (Batch/Instance/Layer/Group) and the softmax family. */
import { elemTypeName } from '../../onnx/tensor-proto.js';
import { formatShape } from '../broadcast.js';
import type { NodeContext, ShapeRule, TensorType } from './context.js';

function requireChannels(c: NodeContext): number[] {
  const x = c.shape(0);
  if (x.length < 2) throw c.rangeError(`X must be [N, C, ...] (rank >= 2), got shape ${formatShape(x)}`);
  return x;
}

function requireVector(c: NodeContext, i: number, length: number, what: string): void {
  if (!c.has(i)) return;
  const s = c.shape(i);
  if (s.length !== 1 || s[0] !== length) throw c.rangeError(`${c.label(i)} (${what}) must have shape [${length}], got ${formatShape(s)}`);
}

const batchNormalization: ShapeRule = (c) => {
  const x = requireChannels(c);
  const channels = x[1]!;
  c.sameType(1, 2);
  c.sameType(3, 4);
  // Opset 7's spatial=0 gives the statistics a per-element shape [C, D1, ...]; otherwise they are [C].
  if (c.int('spatial', 1) !== 0) {
    ['scale', 'B', 'mean', 'var'].forEach((what, k) => requireVector(c, k + 1, channels, what));
  }
  const out: TensorType[] = [{ elemType: c.input(0).elemType, shape: [...x] }];
  // Training-mode outputs (running/saved mean and var) are per channel.
  const statType = c.input(3).elemType;
  for (let k = 1; k < c.node.outputs.length; k++) out.push({ elemType: statType, shape: [...c.shape(3)] });
  return out;
};

const instanceNormalization: ShapeRule = (c) => {
  const x = requireChannels(c);
  const elemType = c.sameType(0, 1, 2);
  requireVector(c, 1, x[1]!, 'scale');
  requireVector(c, 2, x[1]!, 'B');
  return [{ elemType, shape: [...x] }];
};

const layerNormalization: ShapeRule = (c) => {
  const x = c.shape(0);
  const elemType = c.sameType(0, 1, 2);
  const axis = c.axis(c.int('axis', -1), x.length);
  const stash = c.int('stash_type', 1);
  let statType;
  try {
    statType = elemTypeName(stash, 'stash_type');
  } catch (e) {
    throw c.rangeError((e as Error).message);
  }
  const statShape = x.map((d, i) => (i < axis ? d : 1));
  return [
    { elemType, shape: [...x] },
    { elemType: statType, shape: statShape },
    { elemType: statType, shape: [...statShape] },
  ];
};

const groupNormalization: ShapeRule = (c) => {
  const x = requireChannels(c);
  const elemType = c.sameType(0, 1, 2);
  const groups = c.int('num_groups');
  if (groups === undefined) throw c.typeError("attribute 'num_groups' is required");
  if (!Number.isInteger(groups) || groups < 1 || x[1]! % groups !== 0) {
    throw c.rangeError(`num_groups ${groups} must be a positive divisor of the ${x[1]} channels`);
  }
  return [{ elemType, shape: [...x] }];
};

/** Softmax, LogSoftmax, Hardmax: axis default 1 before opset 13 (2-D coercion), -1 from 13. */
const softmaxLike: ShapeRule = (c) => {
  const x = c.input(0);
  const rank = x.shape.length;
  const axis = c.int('axis', c.opset < 13 ? 1 : -1);
  // Opset < 13 allows axis == rank for the 2-D coercion only in principle; keep the ONNX range check.
  if (rank > 0) c.axis(axis, rank);
  return [{ ...x, shape: [...x.shape] }];
};

const same: ShapeRule = (c) => [{ ...c.input(0), shape: [...c.shape(0)] }];

export const normalizationRules: Record<string, ShapeRule> = {
  BatchNormalization: batchNormalization,
  InstanceNormalization: instanceNormalization,
  LayerNormalization: layerNormalization,
  GroupNormalization: groupNormalization,
  Softmax: softmaxLike,
  LogSoftmax: softmaxLike,
  Hardmax: softmaxLike,
  LRN: same,
  MeanVarianceNormalization: same,
};
