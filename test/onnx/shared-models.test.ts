// Every model in ../shared/models loads, with the inputs/outputs ../shared/models/README.md and
// layers/manifest.json describe, and a connected graph.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readModel, type OnnxGraph, type OnnxModel } from '../../lib/onnx/index.js';

const modelsDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'models');
const present = existsSync(modelsDir);

/** Every node input is '' (omitted), a graph input, an initializer or an earlier-or-later node output. */
function danglingInputs(graph: OnnxGraph): string[] {
  const known = new Set<string>(['', ...graph.inputs.map((v) => v.name), ...graph.initializers.keys()]);
  for (const n of graph.nodes) for (const o of n.outputs) known.add(o);
  return graph.nodes.flatMap((n) => n.inputs.filter((i) => !known.has(i)).map((i) => `${n.name}:${i}`));
}

function checkWellFormed(model: OnnxModel): void {
  expect(model.irVersion).toBeGreaterThan(0);
  expect(model.opsetImports.get('')).toBe(13);
  expect(model.graph.nodes.length).toBeGreaterThan(0);
  expect(danglingInputs(model.graph)).toEqual([]);
  for (const o of model.graph.outputs) expect(model.graph.nodes.some((n) => n.outputs.includes(o.name))).toBe(true);
  for (const [name, t] of model.graph.initializers) {
    expect(t.name).toBe(name);
    expect(t.data.length).toBe(t.dims.reduce((a, b) => a * b, 1));
  }
}

describe.skipIf(!present)('shared models', () => {
  // [file, input name, input dims after the batch dim, output name, output dims after the batch dim]
  const imageNets: [string, string, number[], string, number[]][] = [
    ['mobilenet_v2_fp32.onnx', 'input', [3, 224, 224], 'output', [1000]],
    ['mobilenet_v2_qdq.onnx', 'input', [3, 224, 224], 'output', [1000]],
    ['resnet18_fp32.onnx', 'input', [3, 224, 224], 'output', [1000]],
    ['resnet18_qdq.onnx', 'input', [3, 224, 224], 'output', [1000]],
    ['fashion_cnn.onnx', 'input', [1, 28, 28], 'logits', [10]],
  ];

  it.each(imageNets)('%s loads with the documented inputs and outputs', (file, inName, inDims, outName, outDims) => {
    const model = readModel(join(modelsDir, file));
    checkWellFormed(model);
    const { inputs, outputs } = model.graph;
    expect(inputs.map((v) => v.name)).toEqual([inName]);
    expect(outputs.map((v) => v.name)).toEqual([outName]);
    expect(inputs[0].elemType).toBe('float32');
    expect(outputs[0].elemType).toBe('float32');
    // The batch dim is symbolic in these files ('N' or 'batch'); the same symbol on input and output.
    const batch = inputs[0].shape![0];
    expect(typeof batch).toBe('string');
    expect(inputs[0].shape).toEqual([batch, ...inDims]);
    expect(outputs[0].shape).toEqual([batch, ...outDims]);
    expect(model.graph.initializers.size).toBeGreaterThan(0);
  });

  it('QDQ models hold int8 weights and int32 biases; fp32 models only float initializers', () => {
    for (const base of ['mobilenet_v2', 'resnet18']) {
      const fp = readModel(join(modelsDir, `${base}_fp32.onnx`)).graph;
      const q = readModel(join(modelsDir, `${base}_qdq.onnx`)).graph;
      expect(new Set([...fp.initializers.values()].map((t) => t.type)).has('int8')).toBe(false);
      const qTypes = new Set([...q.initializers.values()].map((t) => t.type));
      expect(qTypes.has('int8')).toBe(true);
      expect(qTypes.has('int32')).toBe(true);
      expect(q.nodes.some((n) => n.opType === 'QuantizeLinear')).toBe(true);
      expect(q.nodes.some((n) => n.opType === 'DequantizeLinear')).toBe(true);
      const conv = fp.nodes.find((n) => n.opType === 'Conv')!;
      expect(conv.attributes.get('kernel_shape')?.type).toBe('ints');
      for (const t of q.initializers.values()) if (t.type === 'int8') expect(t.data).toBeInstanceOf(Int8Array);
    }
  });

  const layersDir = join(modelsDir, 'layers');
  const manifestPath = join(layersDir, 'manifest.json');
  const manifest: { models: { file: string; inputs: { name: string; type: string; shape: number[] }[] }[] } = existsSync(manifestPath)
    ? JSON.parse(readFileSync(manifestPath, 'utf8'))
    : { models: [] };

  it.skipIf(manifest.models.length === 0)('every layer model loads with the inputs layers/manifest.json lists', () => {
    const files = readdirSync(layersDir).filter((f) => f.endsWith('.onnx'));
    expect(files.length).toBe(manifest.models.length);
    for (const entry of manifest.models) {
      const model = readModel(join(layersDir, entry.file));
      checkWellFormed(model);
      expect(model.graph.inputs.map((v) => ({ name: v.name, type: v.elemType, shape: v.shape })), entry.file).toEqual(entry.inputs);
      expect(model.graph.outputs.length).toBeGreaterThan(0);
    }
  });
});
