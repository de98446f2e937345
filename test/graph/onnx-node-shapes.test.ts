// Shape inference against the ONNX backend node tests (Debian's libonnx-testdata): every model whose
// operators are all in the supported table is inferred with the shapes of its test_data_set_0 inputs
// (values too, for the inputs a parameter depends on) and its outputs compared with output_*.pb.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { parameterInputNames } from '../../lib/graph/fold.js';
import { checkSupported, graphFromModel } from '../../lib/graph/from-onnx.js';
import type { IrGraph } from '../../lib/graph/ir.js';
import { inferTypes } from '../../lib/graph/shape-inference.js';
import { readModel, readTensor, type InitializerTensor } from '../../lib/onnx/index.js';

const root = '/usr/share/libonnx-testdata/data/node';
const present = existsSync(root);

// Test data that contradicts its own model: the generator wrote CastLike's 'like' input with dims [1]
// although the model declares [3,4]. inferTypes rightly refuses the fed shape.
const CONTRADICTORY_DATA = new Map([
  ['test_castlike_BFLOAT16_to_FLOAT', /input 'like' must have rank 2/],
  ['test_castlike_BFLOAT16_to_FLOAT_expanded', /input 'like' must have rank 2/],
  ['test_castlike_FLOAT_to_BFLOAT16', /input 'like' must have rank 2/],
  ['test_castlike_FLOAT_to_BFLOAT16_expanded', /input 'like' must have rank 2/],
]);

/** The node tests' models with their first data set, or undefined when the data is missing. */
function loadTest(test: string): { g: IrGraph; inputs: Map<number, InitializerTensor>; outputs: Map<number, InitializerTensor> } | undefined {
  const modelPath = join(root, test, 'model.onnx');
  const setDir = join(root, test, 'test_data_set_0');
  if (!existsSync(modelPath) || !existsSync(setDir)) return undefined;
  return { g: graphFromModel(readModel(modelPath)), inputs: readSet(setDir, 'input'), outputs: readSet(setDir, 'output') };
}

function readSet(dir: string, kind: 'input' | 'output'): Map<number, InitializerTensor> {
  const out = new Map<number, InitializerTensor>();
  for (const file of readdirSync(dir)) {
    const m = new RegExp(`^${kind}_(\\d+)\\.pb$`).exec(file);
    if (m) out.set(Number(m[1]), readTensor(readFileSync(join(dir, file)), { source: join(dir, file) }));
  }
  return out;
}

it.skipIf(!present)('inferred output shapes and types match every supported ONNX node test', () => {
  let agreed = 0;
  let skipped = 0;
  const failures: string[] = [];
  for (const test of readdirSync(root).sort()) {
    let loaded;
    try {
      loaded = loadTest(test);
      if (!loaded) continue;
      checkSupported(loaded.g);
    } catch {
      skipped++; // sequences, control flow, operators outside the table, opsets below 7
      continue;
    }
    const { g, inputs, outputs } = loaded;
    try {
      const shapes = new Map<string, number[]>();
      const values = new Map<string, InitializerTensor>();
      const parameters = parameterInputNames(g);
      g.inputs.forEach((v, i) => {
        const t = inputs.get(i)!;
        shapes.set(v.name, t.dims);
        if (parameters.has(v.name)) values.set(v.name, t);
      });
      const known = CONTRADICTORY_DATA.get(test);
      if (known) {
        expect(() => inferTypes(g, shapes, values)).toThrow(known);
        continue;
      }
      inferTypes(g, shapes, values);
      g.outputs.forEach((v, i) => {
        const expected = outputs.get(i)!;
        const t = g.types.get(v.name)!;
        expect(t.shape, `${test} output ${i} '${v.name}' shape`).toEqual(expected.dims);
        // The ONNX generator wrote bfloat16 data as uint16.
        if (!(t.elemType === 'bfloat16' && expected.type === 'uint16')) expect(t.elemType, `${test} output ${i} '${v.name}' type`).toBe(expected.type);
      });
      agreed++;
    } catch (e) {
      failures.push(`${test}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  console.log(`libonnx-testdata shape inference: ${agreed} agree, ${failures.length} fail, ${CONTRADICTORY_DATA.size} have contradictory data, ${skipped} skipped (unsupported)`);
  if (failures.length) console.log(failures.join('\n'));
  expect(failures).toEqual([]);
  expect(agreed).toBeGreaterThan(600);
});

function sameValue(a: number | bigint, b: number | bigint, floatSum: boolean): boolean {
  if (typeof a === 'bigint' || typeof b === 'bigint') return a === b;
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  // numpy sums float32 pairwise, folding in index order: allow the rounding difference there only.
  return a === b || (floatSum && Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b)));
}

it.skipIf(!present)('with every input fed as a value, fully folded node tests reproduce the expected outputs', () => {
  let folded = 0;
  const failures: string[] = [];
  for (const test of readdirSync(root).sort()) {
    if (CONTRADICTORY_DATA.has(test)) continue;
    let loaded;
    try {
      loaded = loadTest(test);
      if (!loaded) continue;
      const { g, inputs } = loaded;
      inferTypes(g, new Map(g.inputs.map((v, i) => [v.name, inputs.get(i)!.dims])), new Map(g.inputs.map((v, i) => [v.name, inputs.get(i)!])));
    } catch {
      continue; // not loadable or not inferable (covered above); only folding is checked here
    }
    const { g, outputs } = loaded;
    if (!g.outputs.every((v) => g.constants.has(v.name))) continue;
    folded++;
    const floatSum = /reduce_sum|reduce_prod/.test(test);
    g.outputs.forEach((v, i) => {
      const got = g.constants.get(v.name)!;
      const expected = outputs.get(i)!;
      const a = Array.from(got.data as ArrayLike<number | bigint>);
      const b = Array.from(expected.data as ArrayLike<number | bigint>);
      const at = a.findIndex((x, k) => !sameValue(x, b[k]!, floatSum));
      if (a.length !== b.length || at >= 0 || got.type !== expected.type) {
        failures.push(`${test} output ${i}: ${got.type}[${a.length}] vs ${expected.type}[${b.length}], first difference at ${at}: ${a[at]} vs ${b[at]}`);
      }
    });
  }
  console.log(`libonnx-testdata folding: ${folded} node tests folded completely`);
  expect(failures).toEqual([]);
  expect(folded).toBeGreaterThan(150);
});
