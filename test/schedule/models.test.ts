// The whole TypeScript pipeline on the shared models: read → IR → optimizeGraph → per-signature
// inference, folding, channels-last → NativePlan, with the plan checked the way native checks it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cloneGraph } from '../../lib/graph/clone.js';
import { foldConstants } from '../../lib/graph/fold.js';
import { checkSupported, graphFromModel } from '../../lib/graph/from-onnx.js';
import type { IrGraph } from '../../lib/graph/ir.js';
import { applyChannelsLast, optimizeGraph } from '../../lib/graph/passes/index.js';
import { inferTypes } from '../../lib/graph/shape-inference.js';
import { readModel } from '../../lib/onnx/index.js';
import { buildNativePlan, dtypeCode, valueBytes } from '../../lib/schedule/index.js';

const MODELS = join(__dirname, '../../../shared/models');

function plan(file: string, batch: number) {
  const g = graphFromModel(readModel(join(MODELS, file)));
  checkSupported(g);
  optimizeGraph(g);
  const index = new Map<string, number>();
  for (const [name, t] of g.constants) if (dtypeCode(t.type) !== undefined && !Array.isArray(t.data)) index.set(name, index.size);
  const g2 = cloneGraph(g);
  const shapes = new Map(g2.inputs.map((i) => [i.name, i.type.shape!.map((d) => (typeof d === 'number' ? d : batch))]));
  inferTypes(g2, shapes);
  foldConstants(g2);
  applyChannelsLast(g2);
  checkSupported(g2);
  return { optimized: g, planned: g2, ...buildNativePlan(g2, index) };
}

function count(g: IrGraph, op: string): number {
  return g.nodes.filter((x) => x.opType === op).length;
}

describe.skipIf(!existsSync(MODELS))('shared models', () => {
  it('fashion_cnn: BN folded, Relu fused, NHWC throughout without a transpose, a valid plan', () => {
    const { optimized, planned, plan: p, outputTypes, memory } = plan('fashion_cnn.onnx', 8);
    expect(count(optimized, 'BatchNormalization')).toBe(0);
    expect(count(optimized, 'Relu')).toBe(0);
    expect(optimized.nodes.filter((x) => x.attributes.get('activation')?.value === 'Relu').length).toBeGreaterThanOrEqual(4);
    // The input has one channel, so NCHW → NHWC is a Reshape; the pooled [N,128,1,1] leaves the same way.
    expect(count(planned, 'Transpose')).toBe(0);
    expect(count(planned, 'Reshape')).toBe(2);
    expect(planned.nodes.filter((x) => x.opType === 'Conv').every((x) => x.attributes.get('channels_last')?.value === 1)).toBe(true);
    expect(outputTypes).toEqual([{ name: 'logits', elemType: 'float32', dtype: 1, shape: [8, 10] }]);
    expect(p.arenaBytes).toBe(memory.peakBytes);
    expect(p.arenaBytes).toBeGreaterThanOrEqual(memory.lowerBoundBytes);
  });

  for (const file of ['resnet18_fp32.onnx', 'mobilenet_v2_fp32.onnx', 'resnet18_qdq.onnx', 'mobilenet_v2_qdq.onnx']) {
    it(`${file}: plans at batch 1 and 2 with arena values in bounds`, () => {
      for (const batch of [1, 2]) {
        const { planned, plan: p, outputTypes, memory } = plan(file, batch);
        expect(outputTypes.map((t) => t.shape)).toEqual([[batch, 1000]]);
        let sum = 0;
        for (const grp of memory.groups) sum += Math.ceil(valueBytes(planned, grp.root) / 64) * 64;
        expect(p.arenaBytes).toBeLessThanOrEqual(sum);
        for (const v of p.values) if (v.storage.kind === 'arena') expect(v.storage.offset % 64).toBe(0);
        // One transpose into NHWC; the pooled features leave through a Reshape.
        expect(count(planned, 'Transpose')).toBe(1);
        // Report the arena against the naive one-buffer-per-value sum (visible with --reporter=verbose).
        console.log(`${file} batch ${batch}: arena ${(p.arenaBytes / 2 ** 20).toFixed(2)} MiB, lower bound ${(memory.lowerBoundBytes / 2 ** 20).toFixed(2)} MiB, unshared ${(sum / 2 ** 20).toFixed(2)} MiB, ${p.nodes.length} nodes`);
      }
    });
  }
});
