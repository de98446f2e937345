// Builders for hand-made ONNX protos (encoded with onnx-proto) used by the reader tests.
import { onnxProto as onnx } from '../../lib/onnx/index.js';

export { onnx };
export const DT = onnx.TensorProto.DataType;

export function tensorBytes(props: Record<string, unknown>): Uint8Array {
  return onnx.TensorProto.encode(onnx.TensorProto.create(props)).finish();
}

export function valueInfo(name: string, elemType: number, dims: (number | string | null)[]): Record<string, unknown> {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : typeof d === 'string' ? { dimParam: d } : {})) },
      },
    },
  };
}

/** A small valid model: Y = Relu(MatMul(X, W) + B) with an If subgraph, a Constant and attributes. */
export function smallModel(extra: { initializers?: Record<string, unknown>[] } = {}): Uint8Array {
  const W = { name: 'W', dataType: DT.FLOAT, dims: [3, 2], floatData: [1, 2, 3, 4, 5, 6] };
  const B = { name: 'B', dataType: DT.FLOAT, dims: [2], rawData: new Uint8Array(new Float32Array([0.5, -0.5]).buffer) };
  const branch = (name: string, value: number) => ({
    name,
    node: [{ opType: 'Constant', output: [`${name}_out`], attribute: [{ name: 'value_float', type: 1, f: value }] }],
    output: [valueInfo(`${name}_out`, DT.FLOAT, [])],
  });
  const model = {
    irVersion: 8,
    producerName: 'octet-test',
    opsetImport: [{ domain: '', version: 17 }, { domain: 'com.microsoft', version: 1 }],
    graph: {
      name: 'small',
      input: [valueInfo('X', DT.FLOAT, ['N', 3]), valueInfo('W', DT.FLOAT, [3, 2]), valueInfo('cond', DT.BOOL, [])],
      output: [valueInfo('Y', DT.FLOAT, ['N', 2]), valueInfo('S', DT.FLOAT, [])],
      initializer: [W, B, ...(extra.initializers ?? [])],
      valueInfo: [valueInfo('XW', DT.FLOAT, ['N', null])],
      node: [
        { name: 'mm', opType: 'MatMul', input: ['X', 'W'], output: ['XW'] },
        { name: 'add', opType: 'Add', input: ['XW', 'B'], output: ['XWB'] },
        { name: 'clip', opType: 'Clip', input: ['XWB', '', 'max'], output: ['Y'] },
        {
          name: 'max',
          opType: 'Constant',
          output: ['max'],
          attribute: [{ name: 'value', type: 4, t: { dataType: DT.FLOAT, dims: [], floatData: [6] } }],
        },
        {
          name: 'if',
          opType: 'If',
          input: ['cond'],
          output: ['S'],
          attribute: [
            { name: 'then_branch', type: 5, g: branch('then', 1) },
            { name: 'else_branch', type: 5, g: branch('else', 2) },
          ],
        },
        {
          name: 'attrs',
          opType: 'Custom',
          domain: 'com.microsoft',
          input: ['X'],
          output: ['unused'],
          attribute: [
            { name: 'alpha', type: 1, f: 0.25 },
            { name: 'big', type: 2, i: '9007199254740993' },
            { name: 'axis', type: 2, i: -1 },
            { name: 'mode', type: 3, s: new TextEncoder().encode('constant') },
            { name: 'scales', type: 6, floats: [1, 2.5] },
            { name: 'perm', type: 7, ints: [0, 2, 1] },
            { name: 'names', type: 8, strings: [new TextEncoder().encode('a'), new TextEncoder().encode('b')] },
            { name: 'ts', type: 9, tensors: [{ dataType: DT.INT8, dims: [2], int32Data: [-1, 1] }] },
          ],
        },
      ],
    },
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model as never)).finish();
}
