// graphFromModel + checkSupported + inferTypes on the project's models (../shared/models): the image
// networks at batch 1 and 8, and the layer models at their fixed shapes (batch 8 must then be refused).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cloneGraph } from '../../lib/graph/clone.js';
import { FOLD_LIMIT, foldConstants } from '../../lib/graph/fold.js';
import { checkSupported, graphFromModel } from '../../lib/graph/from-onnx.js';
import type { IrGraph } from '../../lib/graph/ir.js';
import { inferTypes } from '../../lib/graph/shape-inference.js';
import { readModel } from '../../lib/onnx/index.js';

const modelsDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'models');
const layersDir = join(modelsDir, 'layers');
const present = existsSync(modelsDir);
const networks = present ? readdirSync(modelsDir).filter((f) => f.endsWith('.onnx')).sort() : [];
const layers = existsSync(layersDir) ? readdirSync(layersDir).filter((f) => f.endsWith('.onnx')).sort() : [];

/** Infers a clone with the given input shapes; every node output gets a fully numeric shape. */
function inferClone(g: IrGraph, shapes: Map<string, number[]>): IrGraph {
  const c = cloneGraph(g);
  inferTypes(c, shapes);
  foldConstants(c);
  for (const n of c.nodes) {
    for (const o of n.outputs) {
      if (o === '') continue;
      const t = c.types.get(o);
      expect(t?.shape?.every((d) => typeof d === 'number'), `${n.name} output ${o}`).toBe(true);
    }
  }
  return c;
}

describe.skipIf(!present)('shared models', () => {
  it.each(networks)('%s: supported, and inferred at batch 1 and 8 with the declared output shape', (file) => {
    const g = graphFromModel(readModel(join(modelsDir, file)));
    checkSupported(g);
    const input = g.inputs[0]!;
    const declared = g.outputs[0]!.type.shape!;
    for (const batch of [1, 8]) {
      const shape = input.type.shape!.map((d, i) => (i === 0 ? batch : (d as number)));
      const c = inferClone(g, new Map([[input.name, shape]]));
      expect(c.outputs[0]!.type).toEqual({ elemType: 'float32', shape: declared.map((d, i) => (i === 0 ? batch : d)) });
      // Folding leaves every node but the DequantizeLinears of constant weights (a QDQ model's) up to
      // FOLD_LIMIT elements.
      const folds = (name: string) => (g.constants.get(name)?.data.length ?? Infinity) <= FOLD_LIMIT;
      const constantDq = g.nodes.filter((n) => n.opType === 'DequantizeLinear' && folds(n.inputs[0]!)).length;
      expect(c.nodes.length).toBe(g.nodes.length - constantDq);
    }
    // The graph the clones came from keeps its symbolic batch.
    expect(typeof g.types.get(input.name)!.shape![0]).toBe('string');
  });

  it.each(layers)('layers/%s: inferred at its fixed shapes; another batch is refused', (file) => {
    const g = graphFromModel(readModel(join(layersDir, file)));
    checkSupported(g);
    const shapes = new Map(g.inputs.map((v) => [v.name, v.type.shape as number[]]));
    const c = inferClone(g, shapes);
    expect(c.outputs[0]!.type.shape).toEqual(g.outputs[0]!.type.shape);
    const input = g.inputs[0]!;
    const other = [8, ...(input.type.shape as number[]).slice(1)];
    if (input.type.shape![0] !== 8) {
      expect(() => inferClone(g, new Map([[input.name, other]]))).toThrow(new RegExp(`input '${input.name}' dim 0 must be ${input.type.shape![0]}`));
    }
  });

  it.skipIf(layers.length === 0)('layer shapes agree with layers/manifest.json', () => {
    const manifest = JSON.parse(readFileSync(join(layersDir, 'manifest.json'), 'utf8')) as { models: { file: string; inputs: { name: string; shape: number[] }[] }[] };
    for (const m of manifest.models) {
      const g = graphFromModel(readModel(join(layersDir, m.file)));
      inferClone(g, new Map(m.inputs.map((v) => [v.name, v.shape])));
    }
  });
});
