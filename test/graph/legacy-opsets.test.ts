// Opsets 1-6 (lib/graph/legacy-opsets.ts): which old forms are accepted, how the legacy broadcasting
// of binary operators and PRelu is lowered to numpy broadcasting (shapes and folded values from the
// spec's own examples), which forms stay unsupported and why; and, against Debian's libonnx-testdata,
// that every opset < 7 model of the four backend suites is accepted and shape-inferred correctly.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parameterInputNames } from '../../lib/graph/fold.js';
import { checkSupported, graphFromModel } from '../../lib/graph/from-onnx.js';
import type { IrGraph } from '../../lib/graph/ir.js';
import { legacyProblem, lowerLegacyNode, upgradeLegacyAttributes } from '../../lib/graph/legacy-opsets.js';
import { operatorInfo, OPERATORS } from '../../lib/graph/operators.js';
import { inferTypes } from '../../lib/graph/shape-inference.js';
import type { AttributeValue, InitializerTensor } from '../../lib/onnx/model.js';
import { readModel, readTensor } from '../../lib/onnx/index.js';
import { DT, onnx, valueInfo } from '../onnx/build.js';
import { attr, f32, i32, i64, makeGraph, type GraphSpec } from './ir-builder.js';

/** makeGraph + inferTypes with the given input shapes. */
function inferred(spec: GraphSpec, shapes: Record<string, number[]> = {}): IrGraph {
  const g = makeGraph(spec);
  inferTypes(g, new Map(Object.entries(shapes)));
  return g;
}

/** One node of `op` at `opset` reading graph inputs A and B (float32). */
function binary(op: string, opset: number, a: number[], b: number[], attrs: Record<string, AttributeValue>): IrGraph {
  return inferred(
    { opset, inputs: { A: ['float32', a], B: ['float32', b] }, nodes: [{ op, inputs: ['A', 'B'], outputs: ['Y'], attrs, name: 'n' }] },
    { A: a, B: b },
  );
}

const legacyAxis = (axis: number) => ({ broadcast: attr.int(1), axis: attr.int(axis) });
const values = (t: InitializerTensor) => Array.from(t.data as ArrayLike<number | bigint>);

describe('legacy broadcasting of binary operators (broadcast=1 with axis)', () => {
  it('places a computed B at axis with an Unsqueeze of trailing 1-dims (spec: A (2,3,4,5), B (3,4), axis=1)', () => {
    const g = binary('Add', 6, [2, 3, 4, 5], [3, 4], legacyAxis(1));
    expect(g.nodes.map((n) => [n.opType, n.opset])).toEqual([['Unsqueeze', 6], ['Add', 6]]);
    const [unsqueeze, add] = g.nodes as [IrGraph['nodes'][0], IrGraph['nodes'][0]];
    expect(unsqueeze.inputs).toEqual(['B']);
    expect(unsqueeze.attributes.get('axes')).toEqual(attr.ints([2]));
    expect(add.inputs).toEqual(['A', unsqueeze.outputs[0]]);
    expect(g.types.get(unsqueeze.outputs[0]!)).toEqual({ elemType: 'float32', shape: [3, 4, 1] });
    expect([...add.attributes.keys()]).toEqual([]);
    expect(g.types.get('Y')).toEqual({ elemType: 'float32', shape: [2, 3, 4, 5] });
    // What was inserted is itself a supported opset-6 node.
    expect(() => checkSupported(g)).not.toThrow();
  });

  it('covers every spec example and every legacy-broadcasting operator', () => {
    expect(g2shape(binary('Mul', 6, [2, 3, 4, 5], [], legacyAxis(0)))).toEqual([2, 3, 4, 5]);
    expect(g2shape(binary('Sub', 1, [2, 3, 4, 5], [1, 1], legacyAxis(3)))).toEqual([2, 3, 4, 5]);
    expect(g2shape(binary('Div', 6, [2, 3, 4, 5], [5], legacyAxis(3)))).toEqual([2, 3, 4, 5]);
    expect(g2shape(binary('Pow', 1, [2, 3, 4, 5], [4, 5], legacyAxis(2)))).toEqual([2, 3, 4, 5]);
    const axis0 = binary('Add', 6, [2, 3, 4, 5], [2], legacyAxis(0));
    expect(axis0.nodes[0]!.attributes.get('axes')).toEqual(attr.ints([1, 2, 3]));
    for (const op of ['Equal', 'Less', 'Greater']) {
      const g = inferred(
        { opset: 1, inputs: { A: ['float32', [2, 3]], B: ['float32', [2]] }, nodes: [{ op, inputs: ['A', 'B'], outputs: ['Y'], attrs: legacyAxis(0) }] },
        { A: [2, 3], B: [2] },
      );
      expect(g.types.get('Y')).toEqual({ elemType: 'bool', shape: [2, 3] });
    }
    for (const op of ['And', 'Or', 'Xor']) {
      const g = inferred(
        { opset: 1, inputs: { A: ['bool', [2, 3, 4]], B: ['bool', [3]] }, nodes: [{ op, inputs: ['A', 'B'], outputs: ['Y'], attrs: legacyAxis(1) }] },
        { A: [2, 3, 4], B: [3] },
      );
      expect(g.types.get('Y')).toEqual({ elemType: 'bool', shape: [2, 3, 4] });
    }
  });

  it('reshapes a constant B itself (the original stays as it was) and folds to the spec values', () => {
    const b = f32([10, 20, 30]);
    const g = inferred(
      { opset: 6, inputs: { A: ['float32', [2, 3, 4]] }, constants: { B: b }, nodes: [{ op: 'Mul', inputs: ['A', 'B'], outputs: ['Y'], attrs: legacyAxis(1) }] },
      { A: [2, 3, 4] },
    );
    expect(g.nodes.map((n) => n.opType)).toEqual(['Mul']);
    const reshaped = g.constants.get(g.nodes[0]!.inputs[1]!)!;
    expect(reshaped.dims).toEqual([3, 1]);
    expect(reshaped.data).toBe(b.data);
    expect(g.constants.get('B')!.dims).toEqual([3]);
    expect(g.types.get('Y')!.shape).toEqual([2, 3, 4]);

    // A (2,3) + B (2) with axis=0: B[i] is added to row i.
    const folded = inferred({
      opset: 6,
      constants: { A: f32([1, 2, 3, 4, 5, 6], [2, 3]), B: f32([10, 20]) },
      nodes: [{ op: 'Add', inputs: ['A', 'B'], outputs: ['Y'], attrs: legacyAxis(0) }],
    });
    expect(values(folded.constants.get('Y')!)).toEqual([11, 12, 13, 24, 25, 26]);
    const compared = inferred({
      opset: 1,
      constants: { A: i32([1, 2, 3, 4, 5, 6], [2, 3]), B: i32([2, 5]) },
      nodes: [{ op: 'Greater', inputs: ['A', 'B'], outputs: ['Y'], attrs: legacyAxis(0) }],
    });
    expect(values(compared.constants.get('Y')!)).toEqual([0, 0, 1, 0, 0, 1]);
  });

  it('suffix alignment (no axis) and broadcast=0 only lose their attributes', () => {
    const g = binary('Add', 6, [2, 3, 4, 5], [4, 5], { broadcast: attr.int(1) });
    expect(g.nodes.map((n) => [n.opType, [...n.attributes.keys()]])).toEqual([['Add', []]]);
    expect(g.types.get('Y')!.shape).toEqual([2, 3, 4, 5]);
    const same = binary('Sub', 1, [2, 3], [2, 3], { broadcast: attr.int(0), axis: attr.int(1), consumed_inputs: attr.ints([0, 0]) });
    expect([...same.nodes[0]!.attributes.keys()]).toEqual([]);
    // An axis that already means suffix alignment needs no reshape.
    const suffix = binary('Mul', 6, [2, 3, 4], [3, 4], legacyAxis(1));
    expect(suffix.nodes.map((n) => n.opType)).toEqual(['Mul']);
    // Opset 7 has numpy broadcasting only: its attributes are left alone (and are not read).
    const seven = makeGraph({ opset: 7, inputs: { A: ['float32', [2, 3]], B: ['float32', [3]] }, nodes: [{ op: 'Add', inputs: ['A', 'B'], outputs: ['Y'], attrs: legacyAxis(0) }] });
    upgradeLegacyAttributes(seven.nodes[0]!);
    expect(lowerLegacyNode(seven, seven.nodes[0]!)).toEqual([]);
    expect([...seven.nodes[0]!.attributes.keys()]).toEqual(['broadcast', 'axis']);
  });

  it('names the node, the shapes and the axis when B does not fit', () => {
    expect(() => binary('Add', 6, [2, 3, 4, 5], [3, 4], legacyAxis(3))).toThrow(
      new RangeError("node 'n' (Add-6): B [3,4] does not fit into A [2,3,4,5] at axis 3 (broadcast=1)"),
    );
    expect(() => binary('Add', 6, [2, 3, 4, 5], [3, 5], legacyAxis(1))).toThrow(
      new RangeError("node 'n' (Add-6): B [3,5] placed at axis 1 of A [2,3,4,5] differs in dim 1: 5 vs 4 (broadcast=1)"),
    );
    expect(() => binary('Add', 6, [2, 3], [3], { broadcast: attr.int(1), axis: attr.float(1) })).toThrow(/attribute 'axis' must be an int/);
  });
});

const g2shape = (g: IrGraph) => g.types.get('Y')!.shape;

describe('PRelu before opset 7', () => {
  it('applies a slope [C] per channel (dim 1), as the opset-6 exporters meant', () => {
    const g = inferred(
      { opset: 6, inputs: { X: ['float32', [2, 3, 4, 5]] }, constants: { S: f32([0.1, 0.2, 0.3]) }, nodes: [{ op: 'PRelu', inputs: ['X', 'S'], outputs: ['Y'] }] },
      { X: [2, 3, 4, 5] },
    );
    expect(g.constants.get(g.nodes[0]!.inputs[1]!)!.dims).toEqual([3, 1, 1]);
    expect(g.types.get('Y')!.shape).toEqual([2, 3, 4, 5]);
    const computed = inferred(
      { opset: 1, inputs: { X: ['float32', [2, 3, 4]], S: ['float32', [3]] }, nodes: [{ op: 'PRelu', inputs: ['X', 'S'], outputs: ['Y'] }] },
      { X: [2, 3, 4], S: [3] },
    );
    expect(computed.nodes.map((n) => n.opType)).toEqual(['Unsqueeze', 'PRelu']);
    expect(computed.nodes[0]!.attributes.get('axes')).toEqual(attr.ints([1]));
  });

  it('leaves shared, full and opset-7 slopes as they are', () => {
    const keep = (opset: number, x: number[], s: number[]) => {
      const g = inferred({ opset, inputs: { X: ['float32', x], S: ['float32', s] }, nodes: [{ op: 'PRelu', inputs: ['X', 'S'], outputs: ['Y'] }] }, { X: x, S: s });
      expect(g.nodes.map((n) => n.inputs)).toEqual([['X', 'S']]);
    };
    keep(6, [2, 3, 4], [1]);
    keep(6, [2, 3], [3]);
    keep(6, [2, 3, 4], [2, 3, 4]);
    keep(7, [2, 4, 4], [4]);
  });

  it('matches the data of the PyTorch-exported per-channel tests', { skip: !existsSync('/usr/share/libonnx-testdata/data/pytorch-converted/test_PReLU_2d_multiparam') }, () => {
    const dir = '/usr/share/libonnx-testdata/data/pytorch-converted/test_PReLU_2d_multiparam';
    const slope = readModel(join(dir, 'model.onnx')).graph.initializers.get('1')!;
    const x = readTensor(readFileSync(join(dir, 'test_data_set_0/input_0.pb')));
    const y = readTensor(readFileSync(join(dir, 'test_data_set_0/output_0.pb')));
    const [, c, h, w] = x.dims as [number, number, number, number];
    const xs = x.data as Float32Array;
    const ys = y.data as Float32Array;
    for (let n = 0; n < xs.length; n++) {
      const channel = Math.floor(n / (h * w)) % c;
      const want = xs[n]! < 0 ? Math.fround(xs[n]! * (slope.data as Float32Array)[channel]!) : xs[n]!;
      expect(ys[n]).toBeCloseTo(want, 6);
    }
  });
});

describe('attribute forms of opsets 1-6', () => {
  it('Gemm drops broadcast; C must still stretch to [M,N]', () => {
    const spec = (c: number[]): GraphSpec => ({
      opset: 6,
      inputs: { A: ['float32', [4, 10]], B: ['float32', [8, 10]], C: ['float32', c] },
      nodes: [{ op: 'Gemm', inputs: ['A', 'B', 'C'], outputs: ['Y'], attrs: { broadcast: attr.int(1), transB: attr.int(1) } }],
    });
    const g = inferred(spec([8]), { A: [4, 10], B: [8, 10], C: [8] });
    expect(g.nodes[0]!.attributes.has('broadcast')).toBe(false);
    expect(g.types.get('Y')!.shape).toEqual([4, 8]);
    expect(() => inferred(spec([4, 9]), { A: [4, 10], B: [8, 10], C: [4, 9] })).toThrow(/C shape \[4,9\] does not broadcast to \[4,8\]/);
  });

  it('Concat-1 defaults the axis to 1; Concat-4 requires it', () => {
    const concat = (opset: number) =>
      inferred({ opset, inputs: { A: ['float32', [2, 3]], B: ['float32', [2, 4]] }, nodes: [{ op: 'Concat', inputs: ['A', 'B'], outputs: ['Y'] }] }, { A: [2, 3], B: [2, 4] });
    expect(concat(1).types.get('Y')!.shape).toEqual([2, 7]);
    expect(concat(3).types.get('Y')!.shape).toEqual([2, 7]);
    expect(() => concat(4)).toThrow(/attribute 'axis' is required/);
    const folded = inferred({ opset: 1, constants: { A: f32([1, 2], [1, 2]), B: f32([3], [1, 1]) }, nodes: [{ op: 'Concat', inputs: ['A', 'B'], outputs: ['Y'] }] });
    expect(values(folded.constants.get('Y')!)).toEqual([1, 2, 3]);
  });

  it('Reshape before opset 5 reads the shape attribute', () => {
    const g = inferred({ opset: 1, inputs: { X: ['float32', [2, 6]] }, nodes: [{ op: 'Reshape', inputs: ['X'], outputs: ['Y'], attrs: { shape: attr.ints([3, -1]), consumed_inputs: attr.ints([0]) } }] }, { X: [2, 6] });
    expect(g.types.get('Y')!.shape).toEqual([3, 4]);
    expect(g.nodes[0]!.attributes.has('consumed_inputs')).toBe(false);
    const folded = inferred({ opset: 4, constants: { X: f32([1, 2, 3, 4], [2, 2]) }, nodes: [{ op: 'Reshape', inputs: ['X'], outputs: ['Y'], attrs: { shape: attr.ints([0, -1, 1]) } }] });
    expect(folded.constants.get('Y')!.dims).toEqual([2, 2, 1]);
    expect(() => inferred({ opset: 1, inputs: { X: ['float32', [2]] }, nodes: [{ op: 'Reshape', inputs: ['X'], outputs: ['Y'] }] }, { X: [2] })).toThrow(
      /attribute 'shape' is required before opset 5/,
    );
  });

  it('Tile-1 repeats along one axis (inputs tiles and axis), folded like Tile-6', () => {
    const g = inferred(
      { opset: 1, inputs: { X: ['float32', [2, 3]] }, constants: { t: i64([4]), a: i64([1]) }, nodes: [{ op: 'Tile', inputs: ['X', 't', 'a'], outputs: ['Y'] }] },
      { X: [2, 3] },
    );
    expect(g.types.get('Y')!.shape).toEqual([2, 12]);
    const folded = inferred({ opset: 5, constants: { X: f32([1, 2, 3, 4], [2, 2]), t: i64([2], []), a: i64([0], []) }, nodes: [{ op: 'Tile', inputs: ['X', 't', 'a'], outputs: ['Y'] }] });
    expect(folded.constants.get('Y')!.dims).toEqual([4, 2]);
    expect(values(folded.constants.get('Y')!)).toEqual([1, 2, 3, 4, 1, 2, 3, 4]);
    expect(operatorInfo('', 'Tile')!.parameterInputs).toEqual([1, 2]);
    expect(() =>
      inferred({ opset: 1, inputs: { X: ['float32', [2]] }, constants: { t: i64([2, 2]), a: i64([0]) }, nodes: [{ op: 'Tile', inputs: ['X', 't', 'a'], outputs: ['Y'] }] }, { X: [2] }),
    ).toThrow(/tiles \[2,2\] and axis \[0\] must hold one value each/);
  });

  it('Split-1 takes sizes from input 1 or the attribute, and needs an axis', () => {
    const g = inferred(
      { opset: 1, inputs: { X: ['float32', [6, 2]] }, constants: { s: i64([2, 4]) }, nodes: [{ op: 'Split', inputs: ['X', 's'], outputs: ['P', 'Q'], attrs: { axis: attr.int(0) } }] },
      { X: [6, 2] },
    );
    expect([g.types.get('P')!.shape, g.types.get('Q')!.shape]).toEqual([[2, 2], [4, 2]]);
    const two = inferred({ opset: 2, inputs: { X: ['float32', [6, 2]] }, nodes: [{ op: 'Split', inputs: ['X'], outputs: ['P', 'Q'], attrs: { split: attr.ints([1, 5]) } }] }, { X: [6, 2] });
    expect(two.types.get('Q')!.shape).toEqual([5, 2]);
    const noAxis = makeGraph({ opset: 1, inputs: { X: ['float32', [6]] }, nodes: [{ op: 'Split', inputs: ['X'], outputs: ['P', 'Q'], name: 's' }] });
    expect(() => checkSupported(noAxis)).toThrow(/unsupported operator 'Split' \(opset 1\) at node 's': Split-1 has no default 'axis'/);
  });

  it("Cast-1's type name becomes the DataType code", () => {
    const g = makeGraph({ opset: 1, inputs: { X: ['float32', [2]] }, nodes: [{ op: 'Cast', inputs: ['X'], outputs: ['Y'], attrs: { to: attr.string('int32') }, name: 'c' }] });
    upgradeLegacyAttributes(g.nodes[0]!);
    expect(g.nodes[0]!.attributes.get('to')).toEqual(attr.int(6));
    inferTypes(g, new Map([['X', [2]]]));
    expect(g.types.get('Y')).toEqual({ elemType: 'int32', shape: [2] });
    const bad = makeGraph({ opset: 5, inputs: { X: ['float32', [2]] }, nodes: [{ op: 'Cast', inputs: ['X'], outputs: ['Y'], attrs: { to: attr.string('COMPLEX64') }, name: 'c' }] });
    upgradeLegacyAttributes(bad.nodes[0]!);
    expect(() => checkSupported(bad)).toThrow(/at node 'c': attribute 'to' names no supported data type: 'COMPLEX64'/);
  });

  it("Selu-1 keeps its own defaults; Selu-6's are native's", () => {
    const selu = (opset: number) => {
      const g = makeGraph({ opset, inputs: { X: ['float32', [2]] }, nodes: [{ op: 'Selu', inputs: ['X'], outputs: ['Y'], attrs: { gamma: attr.float(2) } }] });
      upgradeLegacyAttributes(g.nodes[0]!);
      return Object.fromEntries(g.nodes[0]!.attributes);
    };
    expect(selu(1)).toEqual({ alpha: attr.float(1.6732), gamma: attr.float(2) });
    expect(selu(6)).toEqual({ gamma: attr.float(2) });
  });

  it('Upsample-1 becomes Upsample-7 (scales [1, 1, h, w], bilinear → linear)', () => {
    const g = makeGraph({
      opset: 5,
      inputs: { X: ['float32', [1, 2, 2, 3]] },
      nodes: [{ op: 'Upsample', inputs: ['X'], outputs: ['Y'], attrs: { height_scale: attr.float(2), width_scale: attr.float(3), mode: attr.string('bilinear') } }],
    });
    const missing = makeGraph({ opset: 1, inputs: { X: ['float32', [1, 1, 1, 1]] }, nodes: [{ op: 'Upsample', inputs: ['X'], outputs: ['Y'], attrs: { height_scale: attr.float(2) } }] });
    expect(() => checkSupported(missing)).toThrow(/Upsample-1 needs the attributes 'height_scale' and 'width_scale'/);
    upgradeLegacyAttributes(g.nodes[0]!);
    expect(Object.fromEntries(g.nodes[0]!.attributes)).toEqual({ scales: attr.floats([1, 1, 2, 3]), mode: attr.string('linear') });
    expect(() => checkSupported(g)).not.toThrow();
    inferTypes(g, new Map([['X', [1, 2, 2, 3]]]));
    expect(g.types.get('Y')!.shape).toEqual([1, 2, 4, 9]);
  });

  it('BatchNormalization and Dropout run in test mode only', () => {
    const bn = (attrs: Record<string, AttributeValue>) => {
      const g = makeGraph({
        opset: 6,
        inputs: { X: ['float32', [1, 3, 2, 2]] },
        constants: { s: f32([1, 1, 1]), b: f32([0, 0, 0]), m: f32([0, 0, 0]), v: f32([1, 1, 1]) },
        nodes: [{ op: 'BatchNormalization', inputs: ['X', 's', 'b', 'm', 'v'], outputs: ['Y'], attrs, name: 'bn' }],
      });
      upgradeLegacyAttributes(g.nodes[0]!);
      return g;
    };
    const test = bn({ is_test: attr.int(1), spatial: attr.int(0), epsilon: attr.float(1e-3), consumed_inputs: attr.ints([0, 0, 0, 1, 1]) });
    expect(Object.fromEntries(test.nodes[0]!.attributes)).toEqual({ epsilon: attr.float(1e-3) });
    expect(() => checkSupported(test)).not.toThrow();
    inferTypes(test, new Map([['X', [1, 3, 2, 2]]]));
    expect(test.types.get('Y')!.shape).toEqual([1, 3, 2, 2]);
    expect(() => checkSupported(bn({ is_test: attr.int(0) }))).toThrow(/at node 'bn': is_test=0 asks for training mode; only inference \(is_test=1\) is supported/);
    // Without is_test (as ONNX's version converter reads it) the node is an inference BN.
    expect(() => checkSupported(bn({}))).not.toThrow();
    const dropout = makeGraph({ opset: 6, inputs: { X: ['float32', [2]] }, nodes: [{ op: 'Dropout', inputs: ['X'], outputs: ['Y'], attrs: { is_test: attr.int(0) } }] });
    expect(legacyProblem(dropout.nodes[0]!)).toMatch(/training mode/);
  });

  it('Pad-1 stays unsupported (ambiguous paddings layout); Pad-2 reads pads', () => {
    const pad = (opset: number, name: string) =>
      makeGraph({ opset, inputs: { X: ['float32', [2, 2]] }, nodes: [{ op: 'Pad', inputs: ['X'], outputs: ['Y'], attrs: { [name]: attr.ints([0, 1, 0, 2]), value: attr.float(1) }, name: 'p' }] });
    expect(() => checkSupported(pad(1, 'paddings'))).toThrow(/unsupported operator 'Pad' \(opset 1\) at node 'p': Pad-1's 'paddings' layout is ambiguous/);
    const g = pad(2, 'pads');
    expect(() => checkSupported(g)).not.toThrow();
    inferTypes(g, new Map([['X', [2, 2]]]));
    expect(g.types.get('Y')!.shape).toEqual([2, 5]);
  });
});

describe('operator table and graphFromModel', () => {
  it('accepts opsets 1-6 for every operator defined there, and not for later ones', () => {
    const ok = (op: string, opset: number) => makeGraph({ opset, inputs: { X: ['float32', [1, 1, 2, 2]] }, nodes: [{ op, inputs: ['X'], outputs: ['Y'], name: 'x' }] });
    for (const op of ['Relu', 'Conv', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'Softmax', 'Flatten', 'Transpose', 'Squeeze', 'Unsqueeze', 'Slice', 'Gather', 'Identity', 'Shape', 'ReduceSum', 'ArgMax', 'Not']) {
      expect(() => checkSupported(ok(op, 1)), op).not.toThrow();
    }
    expect(() => checkSupported(ok('Cos', 6))).toThrow(/Cos is supported for opsets 7 to 21/);
    expect(() => checkSupported(ok('Expand', 7))).toThrow(/Expand is supported for opsets 8 to 21/);
    for (const o of OPERATORS) expect(o.minOpset).toBeGreaterThanOrEqual(1);
    expect(operatorInfo('', 'Pad')!.minOpset).toBe(2);
    expect(operatorInfo('', 'Upsample')).toMatchObject({ minOpset: 1, maxOpset: 9 });
  });

  it('upgrades attributes when the model is read', () => {
    const bytes = onnx.ModelProto.encode(
      onnx.ModelProto.create({
        irVersion: 3,
        opsetImport: [{ domain: '', version: 1 }],
        graph: {
          name: 'g',
          input: [valueInfo('X', DT.FLOAT, [2, 3]), valueInfo('B', DT.FLOAT, [3])],
          output: [valueInfo('Z', DT.INT64, [2, 3])],
          node: [
            { opType: 'Add', input: ['X', 'B'], output: ['Y'], attribute: [{ name: 'broadcast', type: 2, i: 1 }, { name: 'consumed_inputs', type: 7, ints: [0, 0] }] },
            { opType: 'Cast', input: ['Y'], output: ['Z'], attribute: [{ name: 'to', type: 3, s: new TextEncoder().encode('INT64') }] },
          ],
        },
      } as never),
    ).finish();
    const g = graphFromModel(readModel(bytes));
    expect(g.nodes.map((n) => [n.opType, n.opset, Object.fromEntries(n.attributes)])).toEqual([
      ['Add', 1, {}],
      ['Cast', 1, { to: attr.int(7) }],
    ]);
    checkSupported(g);
    inferTypes(g, new Map([['X', [2, 3]], ['B', [3]]]));
    expect(g.types.get('Z')).toEqual({ elemType: 'int64', shape: [2, 3] });
  });
});

// ---- libonnx-testdata: every opset < 7 model of the backend suites ----

const ROOT = '/usr/share/libonnx-testdata/data';
const SUITES = ['node', 'simple', 'pytorch-converted', 'pytorch-operator'];

function readSet(dir: string, kind: 'input' | 'output'): InitializerTensor[] {
  return readdirSync(dir)
    .filter((f) => f.startsWith(`${kind}_`) && f.endsWith('.pb'))
    .sort((a, b) => Number(a.slice(kind.length + 1, -3)) - Number(b.slice(kind.length + 1, -3)))
    .map((f) => readTensor(readFileSync(join(dir, f))));
}

function legacyModels(): { id: string; dir: string }[] {
  const found: { id: string; dir: string }[] = [];
  for (const suite of SUITES) {
    const base = join(ROOT, suite);
    if (!existsSync(base)) continue;
    for (const name of readdirSync(base).sort()) {
      const dir = join(base, name);
      if (!existsSync(join(dir, 'model.onnx')) || !existsSync(join(dir, 'test_data_set_0'))) continue;
      const imports = readModel(join(dir, 'model.onnx')).opsetImports;
      const opset = imports.get('') ?? imports.get('ai.onnx');
      if (opset !== undefined && opset < 7) found.push({ id: `${suite}/${name}`, dir });
    }
  }
  return found;
}

function close(a: number | bigint, b: number | bigint): boolean {
  if (typeof a === 'bigint' || typeof b === 'bigint') return a === b;
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  return a === b || Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));
}

describe.skipIf(!existsSync(ROOT))('libonnx-testdata models of opsets 1-6', () => {
  it('are all accepted, infer their outputs shapes and types, and fold to the expected values where they fold', () => {
    const models = legacyModels();
    const failures: string[] = [];
    let folded = 0;
    for (const { id, dir } of models) {
      try {
        const g = graphFromModel(readModel(join(dir, 'model.onnx')));
        checkSupported(g);
        const inputs = readSet(join(dir, 'test_data_set_0'), 'input');
        const outputs = readSet(join(dir, 'test_data_set_0'), 'output');
        const parameters = parameterInputNames(g);
        const shapes = new Map(g.inputs.map((v, i) => [v.name, inputs[i]!.dims]));
        inferTypes(g, shapes, new Map(g.inputs.filter((v) => parameters.has(v.name)).map((v) => [v.name, inputs[g.inputs.indexOf(v)]!])));
        g.outputs.forEach((v, i) => {
          const t = g.types.get(v.name)!;
          if (t.shape!.join(',') !== outputs[i]!.dims.join(',') || t.elemType !== outputs[i]!.type) {
            throw new Error(`output ${i}: ${t.elemType} [${t.shape}] != expected ${outputs[i]!.type} [${outputs[i]!.dims}]`);
          }
        });
        // Every input fed as a value: what folds completely must reproduce the expected data.
        const all = graphFromModel(readModel(join(dir, 'model.onnx')));
        inferTypes(all, shapes, new Map(all.inputs.map((v, i) => [v.name, inputs[i]!])));
        if (all.outputs.every((v) => all.constants.has(v.name))) {
          folded++;
          all.outputs.forEach((v, i) => {
            const got = values(all.constants.get(v.name)!);
            const want = values(outputs[i]!);
            const at = got.findIndex((x, k) => !close(x, want[k]!));
            if (at >= 0) throw new Error(`output ${i} element ${at}: folded ${got[at]} != expected ${want[at]}`);
          });
        }
      } catch (e) {
        failures.push(`${id}: ${(e as Error).message}`);
      }
    }
    console.log(`opset < 7 backend models: ${models.length - failures.length} of ${models.length} accepted and inferred, ${folded} folded completely`);
    expect(failures).toEqual([]);
    expect(models.length).toBeGreaterThan(100);
    expect(folded).toBeGreaterThan(5);
  });
});
