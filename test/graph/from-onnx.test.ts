// ONNX → IR (Constant nodes, names, opsets, types, graph checks), checkSupported's messages, the
// operator table, and cloneGraph's independence.
import { binding } from '../../lib/binding.js';
import { describe, expect, it } from 'vitest';
import { cloneGraph } from '../../lib/graph/clone.js';
import { checkSupported, graphFromModel } from '../../lib/graph/from-onnx.js';
import { operatorInfo, OPERATORS } from '../../lib/graph/operators.js';
import { inferTypes } from '../../lib/graph/shape-inference.js';
import { readModel } from '../../lib/onnx/index.js';
import { DT, onnx, valueInfo } from '../onnx/build.js';
import { attr, makeGraph } from './ir-builder.js';

interface ModelSpec {
  opsets?: { domain: string; version: number }[];
  inputs?: Record<string, unknown>[];
  outputs?: Record<string, unknown>[];
  initializers?: Record<string, unknown>[];
  valueInfo?: Record<string, unknown>[];
  nodes: Record<string, unknown>[];
}

function model(spec: ModelSpec) {
  const bytes = onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion: 8,
      opsetImport: spec.opsets ?? [{ domain: '', version: 13 }],
      graph: {
        name: 'g',
        input: spec.inputs ?? [valueInfo('X', DT.FLOAT, ['N', 3])],
        output: spec.outputs ?? [valueInfo('Y', DT.FLOAT, ['N', 3])],
        initializer: spec.initializers ?? [],
        valueInfo: spec.valueInfo ?? [],
        node: spec.nodes,
      },
    } as never),
  ).finish();
  return readModel(bytes);
}

describe('graphFromModel', () => {
  it('turns every Constant form into a constant and keeps the other nodes, named and with their opset', () => {
    const g = graphFromModel(
      model({
        opsets: [{ domain: '', version: 13 }, { domain: 'com.microsoft', version: 1 }],
        outputs: [valueInfo('Y', DT.FLOAT, ['N', 3]), { name: 'M', type: { tensorType: { elemType: DT.FLOAT } } }],
        nodes: [
          { opType: 'Constant', output: ['t'], attribute: [{ name: 'value', type: 4, t: { dataType: DT.INT64, dims: [2], int64Data: [1, 2] } }] },
          { opType: 'Constant', output: ['f'], attribute: [{ name: 'value_float', type: 1, f: 0.5 }] },
          { opType: 'Constant', output: ['fs'], attribute: [{ name: 'value_floats', type: 6, floats: [1, 2, 3] }] },
          { opType: 'Constant', output: ['i'], attribute: [{ name: 'value_int', type: 2, i: 7 }] },
          { opType: 'Constant', output: ['is'], attribute: [{ name: 'value_ints', type: 7, ints: [4, 5] }] },
          { opType: 'Add', input: ['X', 'f'], output: ['Y'] },
          { name: 'ms', opType: 'FusedThing', domain: 'com.microsoft', input: ['X'], output: ['M'] },
        ],
      }),
    );
    expect(g.nodes.map((n) => [n.name, n.opType, n.domain, n.opset])).toEqual([
      ['Add_5', 'Add', '', 13],
      ['ms', 'FusedThing', 'com.microsoft', 1],
    ]);
    expect(Array.from(g.constants.get('t')!.data as BigInt64Array)).toEqual([1n, 2n]);
    expect(g.constants.get('f')).toMatchObject({ name: 'f', type: 'float32', dims: [] });
    expect(g.constants.get('fs')).toMatchObject({ type: 'float32', dims: [3] });
    expect(g.constants.get('i')).toMatchObject({ type: 'int64', dims: [] });
    expect(Array.from(g.constants.get('is')!.data as BigInt64Array)).toEqual([4n, 5n]);
    expect(g.types.get('fs')).toEqual({ elemType: 'float32', shape: [3] });
    expect(g.types.get('X')).toEqual({ elemType: 'float32', shape: ['N', 3] });
    expect(g.opsets).toEqual(new Map([['', 13], ['com.microsoft', 1]]));
    expect(new Set(g.nodes.map((n) => n.id)).size).toBe(2);
    expect(g.nextId).toBe(2);
  });

  it('rejects string constants, a missing ai.onnx import and undeclared domains', () => {
    const stringConstant = { opType: 'Constant', name: 'c', output: ['Y'], attribute: [{ name: 'value_string', type: 3, s: new TextEncoder().encode('x') }] };
    expect(() => graphFromModel(model({ inputs: [], nodes: [stringConstant] }))).toThrow(/node 'c' \(Constant\): string constants are not supported/);
    expect(() => graphFromModel(model({ opsets: [{ domain: 'com.microsoft', version: 1 }], nodes: [{ opType: 'Relu', input: ['X'], output: ['Y'] }] }))).toThrow(
      /does not import the default domain \(ai\.onnx\)/,
    );
    expect(() => graphFromModel(model({ nodes: [{ name: 'q', opType: 'Foo', domain: 'acme', input: ['X'], output: ['Y'] }] }))).toThrow(
      /node 'q' \(acme::Foo\) uses domain 'acme', which the model does not import/,
    );
  });

  it('rejects values produced twice, values nothing produces, missing outputs and cycles', () => {
    expect(() =>
      graphFromModel(model({ nodes: [{ name: 'a', opType: 'Relu', input: ['X'], output: ['Y'] }, { name: 'b', opType: 'Neg', input: ['X'], output: ['Y'] }] })),
    ).toThrow(/value 'Y' is produced twice: by node 'a' \(Relu\) and by node 'b' \(Neg\)/);
    expect(() => graphFromModel(model({ nodes: [{ name: 'a', opType: 'Relu', input: ['X'], output: ['X'] }] }))).toThrow(
      /value 'X' is produced twice: by graph input 'X' and by node 'a' \(Relu\)/,
    );
    expect(() => graphFromModel(model({ nodes: [{ name: 'a', opType: 'Add', input: ['X', 'ghost'], output: ['Y'] }] }))).toThrow(
      /node 'a' \(Add\) reads value 'ghost', which no node, graph input or initializer produces/,
    );
    expect(() => graphFromModel(model({ nodes: [{ name: 'a', opType: 'Relu', input: ['X'], output: ['Z'] }] }))).toThrow(
      /graph output 'Y' is not produced by any node/,
    );
    expect(() =>
      graphFromModel(
        model({
          nodes: [
            { name: 'a', opType: 'Add', input: ['X', 'c'], output: ['b_in'] },
            { name: 'b', opType: 'Relu', input: ['b_in'], output: ['c'] },
            { name: 'out', opType: 'Identity', input: ['c'], output: ['Y'] },
          ],
        }),
      ),
    ).toThrow(/cycle through nodes 'a' → 'b' → 'a'|cycle through nodes 'b' → 'a' → 'b'/);
  });

  it('sorts nodes topologically, keeps optional inputs as "" and takes types from initializers and value_info', () => {
    const g = graphFromModel(
      model({
        initializers: [{ name: 'W', dataType: DT.FLOAT, dims: [3], floatData: [1, 2, 3] }],
        valueInfo: [valueInfo('h', DT.FLOAT, ['N', 3])],
        nodes: [
          { name: 'second', opType: 'Clip', input: ['h', '', 'W'], output: ['Y'] },
          { name: 'first', opType: 'Mul', input: ['X', 'W'], output: ['h'] },
        ],
      }),
    );
    expect(g.nodes.map((n) => n.name)).toEqual(['first', 'second']);
    expect(g.nodes[1]!.inputs).toEqual(['h', '', 'W']);
    expect(g.types.get('W')).toEqual({ elemType: 'float32', shape: [3] });
    expect(g.types.get('h')).toEqual({ elemType: 'float32', shape: ['N', 3] });
    expect(g.inputs.map((v) => v.name)).toEqual(['X']);
    expect(g.outputs[0]!.type).toEqual({ elemType: 'float32', shape: ['N', 3] });
  });

  it('gives unnamed nodes unique "<opType>_<index>" names', () => {
    const g = graphFromModel(
      model({
        nodes: [
          { opType: 'Relu', input: ['X'], output: ['a'] },
          { name: 'Relu_0', opType: 'Neg', input: ['a'], output: ['Y'] },
        ],
      }),
    );
    expect(g.nodes.map((n) => n.name)).toEqual(['Relu_0_1', 'Relu_0']);
  });
});

describe('checkSupported', () => {
  const one = (op: string, opset: number, extra: Partial<Parameters<typeof makeGraph>[0]['nodes'][0]> = {}) =>
    makeGraph({ inputs: { X: ['float32', [1]] }, nodes: [{ op, inputs: ['X'], outputs: ['Y'], name: 'nms_1', opset, ...extra }] });
  it('accepts the table and names operator, opset and node otherwise', () => {
    expect(() => checkSupported(one('Relu', 13))).not.toThrow();
    expect(() => checkSupported(one('NonMaxSuppression', 11))).toThrow(new TypeError("unsupported operator 'NonMaxSuppression' (opset 11) at node 'nms_1'"));
    expect(() => checkSupported(one('Sin', 6))).toThrow(/unsupported operator 'Sin' \(opset 6\) at node 'nms_1': Sin is supported for opsets 7 to 21/);
    expect(() => checkSupported(one('Upsample', 10))).toThrow(/Upsample is supported for opsets 1 to 9/);
    expect(() => checkSupported(one('Gelu', 19))).toThrow(/supported for opsets 20 to 21/);
    expect(() => checkSupported(one('Attention', 1, { domain: 'com.microsoft' }))).toThrow(
      /unsupported operator 'Attention' \(domain 'com\.microsoft', opset 1\) at node 'nms_1'/,
    );
    expect(() => checkSupported(one('Copy', 1, { domain: 'octet' }))).not.toThrow();
  });
  it('rejects subgraph attributes (control flow)', () => {
    const body = { name: 'b', inputs: [], outputs: [], initializers: new Map(), nodes: [], valueInfo: new Map() };
    expect(() => checkSupported(one('If', 13, { attrs: { then_branch: { type: 'graph', value: body } } }))).toThrow(
      /unsupported operator 'If' \(opset 13\) at node 'nms_1': operators with subgraphs \(control flow\) are not supported/,
    );
  });
});

describe('operator table', () => {
  it('lists every operator once with parameter inputs, in-place and view flags', () => {
    const keys = OPERATORS.map((o) => `${o.domain}::${o.opType}`);
    expect(new Set(keys).size).toBe(keys.length);
    // 110 ai.onnx operators, 5 com.microsoft quantized ones and MatMulNBits, octet::Copy and
    // octet::QLinearLookup.
    expect(OPERATORS.length).toBe(118);
    expect(OPERATORS.filter((o) => o.domain === '').length).toBe(110);
    expect(operatorInfo('com.microsoft', 'QLinearAdd')).toMatchObject({ minOpset: 1, maxOpset: 1 });
    expect(operatorInfo('octet', 'QLinearLookup')!.inPlace).toBe(true);
    for (const o of OPERATORS) {
      expect(o.minOpset).toBeLessThanOrEqual(o.maxOpset);
      if (o.domain === '') expect(o.maxOpset === 21 || o.opType === 'Upsample').toBe(true);
      // Every table entry has a native kernel.
      expect(binding.nativeOperators()).toContain(o.domain === '' ? o.opType : `${o.domain}.${o.opType}`);
    }
    expect(operatorInfo('', 'Reshape')).toMatchObject({ parameterInputs: [1], view: true, inPlace: false });
    expect(operatorInfo('ai.onnx', 'Slice')!.parameterInputs).toEqual([1, 2, 3, 4]);
    expect(operatorInfo('', 'Resize')!.parameterInputs).toEqual([1, 2, 3]);
    expect(operatorInfo('', 'Range')!.parameterInputs).toEqual([0, 1, 2]);
    expect(operatorInfo('', 'ConstantOfShape')!.parameterInputs).toEqual([0]);
    expect(operatorInfo('', 'Relu')).toMatchObject({ inPlace: true, view: false });
    expect(operatorInfo('', 'Add')!.inPlace).toBe(true);
    expect(operatorInfo('', 'Equal')!.inPlace).toBe(false);
    expect(operatorInfo('', 'Dropout')!.view).toBe(true);
    expect(operatorInfo('octet', 'Copy')).toBeDefined();
    expect(operatorInfo('', 'NonMaxSuppression')).toBeUndefined();
    expect(operatorInfo('', 'Mish')!.minOpset).toBe(18);
  });
});

describe('cloneGraph', () => {
  it('lets passes and inference change the clone without touching the original', () => {
    const g = makeGraph({
      inputs: { X: ['float32', ['N', 4]] },
      nodes: [{ op: 'Transpose', inputs: ['X'], outputs: ['Y'], attrs: { perm: attr.ints([1, 0]) } }],
    });
    const c = cloneGraph(g);
    inferTypes(c, new Map([['X', [2, 4]]]));
    c.nodes[0]!.inputs[0] = 'other';
    (c.nodes[0]!.attributes.get('perm')!.value as number[])[0] = 9;
    c.nodes[0]!.attributes.set('extra', attr.int(1));
    c.opsets.set('x', 1);
    c.constants.set('k', { name: 'k', type: 'float32', dims: [], data: new Float32Array(1) });
    expect(g.nodes[0]!.inputs).toEqual(['X']);
    expect(g.nodes[0]!.attributes.get('perm')!.value).toEqual([1, 0]);
    expect(g.nodes[0]!.attributes.has('extra')).toBe(false);
    expect(g.types.get('X')!.shape).toEqual(['N', 4]);
    expect(g.inputs[0]!.type.shape).toEqual(['N', 4]);
    expect(g.types.has('Y')).toBe(false);
    expect(g.opsets.has('x')).toBe(false);
    expect(g.constants.has('k')).toBe(false);
    expect(c.types.get('Y')!.shape).toEqual([4, 2]);
  });
});
