// inferTypes' errors: fed shapes against declared dims, unknown operators, parameters that are not
// constants, and values too large for native code. Each names the node / input / value at fault.
import { describe, expect, it } from 'vitest';
import { inferTypes, MAX_ELEMENTS } from '../../lib/graph/shape-inference.js';
import { attr, i64, makeGraph } from './ir-builder.js';

const relu = () =>
  makeGraph({
    inputs: { X: ['float32', ['N', 3, null]], S: ['float32', ['N']] },
    nodes: [{ op: 'Relu', inputs: ['X'], outputs: ['Y'], name: 'r' }],
  });
const shapes = (entries: Record<string, number[]>) => new Map(Object.entries(entries));

describe('fed shapes', () => {
  it('accepts matching shapes, any size for unknown dims', () => {
    const g = relu();
    inferTypes(g, shapes({ X: [2, 3, 17], S: [2] }));
    expect(g.types.get('Y')!.shape).toEqual([2, 3, 17]);
  });
  it('rejects a mismatched fixed dim, a wrong rank, an inconsistent symbol', () => {
    expect(() => inferTypes(relu(), shapes({ X: [2, 4, 1], S: [2] }))).toThrow(
      new RangeError("inferTypes: input 'X' dim 1 must be 3 (declared shape [N,3,?]), got 4 (shape [2,4,1])"),
    );
    expect(() => inferTypes(relu(), shapes({ X: [2, 3], S: [2] }))).toThrow(/input 'X' must have rank 3 \(declared shape \[N,3,\?\]\), got shape \[2,3\]/);
    expect(() => inferTypes(relu(), shapes({ X: [2, 3, 1], S: [5] }))).toThrow(/input 'S' dim 0 \('N'\) is 5, but input 'X' dim 0 \('N'\) is 2/);
  });
  it('rejects a missing shape, an unknown input name and invalid dims', () => {
    expect(() => inferTypes(relu(), shapes({ X: [2, 3, 1] }))).toThrow(/no shape given for input 'S'/);
    expect(() => inferTypes(relu(), shapes({ X: [2, 3, 1], S: [2], Z: [1] }))).toThrow(/'Z' is not an input of the graph \(inputs: X, S\)/);
    expect(() => inferTypes(relu(), shapes({ X: [2, 3, -1], S: [2] }))).toThrow(RangeError);
    expect(() => inferTypes(relu(), shapes({ X: [2, 3, 1.5], S: [2] }))).toThrow(RangeError);
  });
  it('rejects a fed value of another type or other dims than its shape', () => {
    const g = makeGraph({ opset: 13, inputs: { X: ['float32', [6]], s: ['int64', [2]] }, nodes: [{ op: 'Reshape', inputs: ['X', 's'], outputs: ['Y'] }] });
    const f = { name: 's', type: 'float32' as const, dims: [2], data: new Float32Array(2) };
    expect(() => inferTypes(g, shapes({ X: [6] }), new Map([['s', f]]))).toThrow(/input 's' must be int64, got a float32 value/);
    expect(() => inferTypes(g, shapes({ X: [6], s: [3] }), new Map([['s', i64([2, 3])]]))).toThrow(/the value fed has dims \[2\] but the shape given is \[3\]/);
  });
});

describe('node errors', () => {
  it('an operator without a shape rule names node and value', () => {
    const g = makeGraph({ inputs: { X: ['float32', [2]] }, nodes: [{ op: 'NonZero', inputs: ['X'], outputs: ['Y'], name: 'nz' }] });
    expect(() => inferTypes(g, shapes({ X: [2] }))).toThrow(new TypeError("inferTypes: node 'nz' (NonZero): cannot determine the shape of 'Y': no shape rule for operator 'NonZero'"));
  });
  it('a parameter input that is not constant names node and input', () => {
    const g = makeGraph({
      opset: 13,
      inputs: { X: ['float32', [6]], s: ['int64', [2]] },
      nodes: [
        { op: 'Relu', inputs: ['X'], outputs: ['Xr'] },
        { op: 'Reshape', inputs: ['Xr', 's'], outputs: ['Y'], name: 'reshape_1' },
      ],
    });
    expect(() => inferTypes(g, shapes({ X: [6], s: [2] }))).toThrow(
      /node 'reshape_1' \(Reshape\): input 1 's' \(shape\) must be a constant when the plan is built/,
    );
    // Pad's constant_value does not shape anything, but native reads it once at create: it must be constant too.
    const pad = makeGraph({
      opset: 13,
      inputs: { X: ['float32', [6]], v: ['float32', []] },
      constants: { pads: i64([1, 1]) },
      nodes: [{ op: 'Pad', inputs: ['X', 'pads', 'v'], outputs: ['Y'], name: 'p' }],
    });
    expect(() => inferTypes(pad, shapes({ X: [6], v: [] }))).toThrow(/node 'p' \(Pad\): input 2 'v' must be a constant when the plan is built/);
  });
  it('attribute errors name node and attribute', () => {
    const g = makeGraph({ inputs: { X: ['float32', [2]] }, nodes: [{ op: 'Cast', inputs: ['X'], outputs: ['Y'], name: 'c', attrs: { to: attr.int(99) } }] });
    expect(() => inferTypes(g, shapes({ X: [2] }))).toThrow(/node 'c' \(Cast\): attribute 'to': unknown ONNX data type 99/);
    const h = makeGraph({ inputs: { X: ['float32', [2]] }, nodes: [{ op: 'Flatten', inputs: ['X'], outputs: ['Y'], name: 'f', attrs: { axis: attr.float(1) } }] });
    expect(() => inferTypes(h, shapes({ X: [2] }))).toThrow(/node 'f' \(Flatten\): attribute 'axis' must be an int, got float/);
  });
});

describe('overflow', () => {
  it('a fed shape over 2^31-1 elements', () => {
    const g = makeGraph({ inputs: { X: ['float32', null] }, nodes: [{ op: 'Relu', inputs: ['X'], outputs: ['Y'] }] });
    expect(() => inferTypes(g, shapes({ X: [65536, 32768] }))).toThrow(
      new RangeError(`input 'X' with shape [65536,32768] has ${2 ** 31} elements, more than the 2^31-1 supported`),
    );
  });
  it('an intermediate value over 2^31-1 elements names the value and node', () => {
    const g = makeGraph({
      inputs: { X: ['float32', [65536, 1]] },
      constants: { shape: i64([65536, 65536]) },
      nodes: [{ op: 'Expand', inputs: ['X', 'shape'], outputs: ['big'], name: 'e' }],
    });
    expect(() => inferTypes(g, shapes({ X: [65536, 1] }))).toThrow(/value 'big' \(output 0 of node 'e' \(Expand\)\) with shape \[65536,65536\] has 4294967296 elements/);
  });
  it('a value over 2^32 bytes even with fewer elements', () => {
    const g = makeGraph({
      constants: { shape: i64([2 ** 29 + 8]) },
      nodes: [{ op: 'ConstantOfShape', inputs: ['shape'], outputs: ['big'], attrs: { value: attr.tensor(i64([1])) } }],
    });
    expect(2 ** 29 + 8).toBeLessThan(MAX_ELEMENTS);
    expect(() => inferTypes(g, new Map())).toThrow(/value 'big' .* \(int64\) takes 4294967360 bytes, more than the 2\^32 supported/);
  });
});
