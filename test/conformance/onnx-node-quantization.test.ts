// The ONNX backend conformance tests (Debian's libonnx-testdata) of the operators this package
// implements directly: each test's model names the operator and its attributes, its .pb files hold
// the inputs and the expected outputs. Every output must match bit for bit, on every ISA.
// The *_expanded variants test ONNX's function decompositions into other operators and are not ours.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { binding } from '../../lib/binding.js';
import { Tensor, ops } from '../../lib/index.js';

const { onnx } = createRequire(import.meta.url)('onnx-proto');
const NODE_TESTS = '/usr/share/libonnx-testdata/data/node';
const TESTS = [
  'test_quantizelinear',
  'test_quantizelinear_axis',
  'test_dequantizelinear',
  'test_dequantizelinear_axis',
  'test_dynamicquantizelinear',
  'test_dynamicquantizelinear_max_adjusted',
  'test_dynamicquantizelinear_min_adjusted',
  'test_matmulinteger',
  'test_qlinearmatmul_2D',
  'test_qlinearmatmul_3D',
];

const { DataType } = onnx.TensorProto;
const ARRAYS: Record<number, [string, new (n: number) => ArrayLike<number> & { buffer: ArrayBufferLike }, string]> = {
  [DataType.FLOAT]: ['float32', Float32Array, 'floatData'],
  [DataType.UINT8]: ['uint8', Uint8Array, 'int32Data'],
  [DataType.INT8]: ['int8', Int8Array, 'int32Data'],
  [DataType.INT32]: ['int32', Int32Array, 'int32Data'],
};

function readTensor(path: string): Tensor {
  const t = onnx.TensorProto.decode(readFileSync(path));
  const entry = ARRAYS[t.dataType];
  if (!entry) throw new Error(`${path}: data type ${t.dataType} not handled by this test`);
  const [type, ArrayType, field] = entry;
  const count = t.dims.reduce((p: number, d: unknown) => p * Number(d), 1);
  const data = new ArrayType(count) as unknown as { set(src: ArrayLike<number>): void; buffer: ArrayBufferLike };
  if (t.rawData && t.rawData.length > 0) {
    new Uint8Array(data.buffer).set(t.rawData);
  } else {
    data.set(Array.from(t[field] as ArrayLike<number>));
  }
  return new Tensor(type as 'float32', data as unknown as Float32Array, t.dims.map(Number));
}

function nodeOf(test: string): { opType: string; attrs: Record<string, number> } {
  const model = onnx.ModelProto.decode(readFileSync(join(NODE_TESTS, test, 'model.onnx')));
  const node = model.graph.node[0];
  const attrs: Record<string, number> = {};
  for (const a of node.attribute) attrs[a.name] = Number(a.i);
  return { opType: node.opType, attrs };
}

function run(opType: string, inputs: Tensor[], attrs: Record<string, number>): Tensor[] {
  const [x0, x1, x2, x3, x4, x5, x6, x7] = inputs as Tensor<never>[];
  switch (opType) {
    case 'QuantizeLinear': return [ops.quantizeLinear(x0!, x1!, x2, attrs)];
    case 'DequantizeLinear': return [ops.dequantizeLinear(x0!, x1!, x2, attrs)];
    case 'DynamicQuantizeLinear': return ops.dynamicQuantizeLinear(x0!);
    case 'MatMulInteger': return [ops.matmulInteger(x0!, x1!, x2, x3)];
    case 'QLinearMatMul': return [ops.qlinearMatMul(x0!, x1!, x2!, x3!, x4!, x5!, x6!, x7!)];
    default: throw new Error(`unexpected operator ${opType}`);
  }
}

const available = existsSync(NODE_TESTS);
const initialIsa = binding.runtimeInfo().isa;
afterAll(() => binding.setIsa(initialIsa));

describe.skipIf(!available)(`ONNX node tests (${NODE_TESTS})`, () => {
  for (const isa of available ? binding.runtimeInfo().availableIsas : []) {
    for (const test of TESTS) {
      it(`${test} on ${isa}`, () => {
        binding.setIsa(isa);
        const { opType, attrs } = nodeOf(test);
        const dir = join(NODE_TESTS, test);
        for (const set of readdirSync(dir).filter((d) => d.startsWith('test_data_set_'))) {
          const files = readdirSync(join(dir, set)).sort();
          const inputs = files.filter((f) => f.startsWith('input_')).map((f) => readTensor(join(dir, set, f)));
          const expected = files.filter((f) => f.startsWith('output_')).map((f) => readTensor(join(dir, set, f)));
          const got = run(opType, inputs, attrs);
          expect(got.length).toBe(expected.length);
          for (let i = 0; i < expected.length; i++) {
            expect(got[i]!.type, `${set} output ${i} type`).toBe(expected[i]!.type);
            expect(got[i]!.dims, `${set} output ${i} dims`).toEqual(expected[i]!.dims);
            expect(Array.from(got[i]!.data as ArrayLike<number>), `${set} output ${i}`).toEqual(Array.from(expected[i]!.data as ArrayLike<number>));
          }
        }
      });
    }
  }
});

it('finds the ONNX conformance data when CI has installed it', () => {
  // .ci/run installs libonnx-testdata; a developer machine without it skips the suite above.
  if (process.env.CI) expect(available, `${NODE_TESTS} is missing: apt-get install libonnx-testdata`).toBe(true);
});
