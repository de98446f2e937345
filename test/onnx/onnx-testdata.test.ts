// Every ONNX backend node test model (Debian's libonnx-testdata) loads, and its test-data tensors
// decode with element counts matching their dims.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { readModel, readTensor, type OnnxGraph } from '../../lib/onnx/index.js';

const root = '/usr/share/libonnx-testdata/data/node';
const present = existsSync(root);

function forEachSubgraph(graph: OnnxGraph, visit: (g: OnnxGraph) => void): void {
  visit(graph);
  for (const n of graph.nodes) {
    for (const a of n.attributes.values()) {
      if (a.type === 'graph') forEachSubgraph(a.value, visit);
      if (a.type === 'graphs') for (const g of a.value) forEachSubgraph(g, visit);
    }
  }
}

it.skipIf(!present)('every node test model.onnx loads and its tensor test data decodes', () => {
  let models = 0;
  let tensors = 0;
  let nonTensors = 0;
  let subgraphs = 0;
  const failures: string[] = [];
  for (const dir of readdirSync(root).sort()) {
    const modelPath = join(root, dir, 'model.onnx');
    if (!existsSync(modelPath)) continue;
    let graph: OnnxGraph;
    try {
      graph = readModel(modelPath).graph;
      models++;
    } catch (e) {
      failures.push(`${dir}: ${(e as Error).message}`);
      continue;
    }
    expect(graph.nodes.length, dir).toBeGreaterThan(0);
    forEachSubgraph(graph, (g) => {
      if (g !== graph) subgraphs++;
    });
    for (const set of readdirSync(join(root, dir)).filter((f) => f.startsWith('test_data_set_'))) {
      for (const file of readdirSync(join(root, dir, set))) {
        const m = /^(input|output)_(\d+)\.pb$/.exec(file);
        if (!m) continue;
        const info = (m[1] === 'input' ? graph.inputs : graph.outputs)[Number(m[2])];
        // Sequence/optional/map values are stored as SequenceProto/OptionalProto, not TensorProto.
        if (info && info.kind !== 'tensor') {
          nonTensors++;
          continue;
        }
        const path = join(root, dir, set, file);
        try {
          const t = readTensor(readFileSync(path), { source: path });
          expect(t.data.length, path).toBe(t.dims.reduce((a, b) => a * b, 1));
          // The element type matches the graph's declaration, except for a known quirk of the ONNX
          // test generator: bfloat16 test data was written as UINT16 tensors (same bits).
          // (Dims are not compared: CastLike's 'like' tensors differ from the declared shape.)
          if (info && info.elemType !== 'undefined' && !(info.elemType === 'bfloat16' && t.type === 'uint16')) {
            expect(t.type, path).toBe(info.elemType);
          }
          tensors++;
        } catch (e) {
          failures.push(`${path}: ${(e as Error).message}`);
        }
      }
    }
  }
  console.log(`libonnx-testdata: ${models} node models loaded (${subgraphs} subgraphs), ${tensors} tensors decoded, ${nonTensors} non-tensor values skipped`);
  expect(failures).toEqual([]);
  expect(models).toBeGreaterThan(100);
});
