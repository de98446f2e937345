// foldBatchNorm: Conv / Gemm + inference BatchNormalization → one node with new weights, checked
// against float64 references (the folded constants and the outputs of the graph before and after).
import { describe, expect, it } from 'vitest';
import type { IrGraph } from '../../../lib/graph/ir.js';
import { foldBatchNorm } from '../../../lib/graph/passes/index.js';
import { Rng } from '../../helpers/random.js';
import { buildGraph, f32, float, int, n, nodeNamed, opTypes } from './ir-builder.js';

function randomValues(rng: Rng, count: number, lo = -1, hi = 1): number[] {
  return Array.from({ length: count }, () => lo + (hi - lo) * rng.next());
}

function values(g: IrGraph, name: string): Float32Array {
  return g.constants.get(name)!.data as Float32Array;
}

/** BN parameters for M channels; var > 0. */
function bnConstants(rng: Rng, m: number) {
  return [
    f32('scale', [m], randomValues(rng, m, 0.5, 2)),
    f32('beta', [m], randomValues(rng, m)),
    f32('mean', [m], randomValues(rng, m)),
    f32('var', [m], randomValues(rng, m, 0.1, 3)),
  ];
}

/** Plain float64 NCHW convolution, stride 1, no padding, group 1. */
function conv(x: ArrayLike<number>, [nb, c, h, w]: number[], wt: ArrayLike<number>, [m, , kh, kw]: number[], bias: ArrayLike<number> | null): number[] {
  const oh = h - kh + 1;
  const ow = w - kw + 1;
  const out: number[] = [];
  for (let b = 0; b < nb; ++b)
    for (let o = 0; o < m; ++o)
      for (let y = 0; y < oh; ++y)
        for (let z = 0; z < ow; ++z) {
          let acc = bias ? bias[o]! : 0;
          for (let i = 0; i < c; ++i)
            for (let p = 0; p < kh; ++p)
              for (let q = 0; q < kw; ++q) acc += x[((b * c + i) * h + y + p) * w + z + q]! * wt[((o * c + i) * kh + p) * kw + q]!;
          out.push(acc);
        }
  return out;
}

describe('foldBatchNorm', () => {
  const rng = new Rng(7);

  for (const withBias of [true, false]) {
    it(`folds BN into Conv ${withBias ? 'with' : 'without'} a bias (weights exact, outputs equal)`, () => {
      const [m, c, kh, kw] = [3, 2, 2, 2];
      const W = f32('W', [m, c, kh, kw], randomValues(rng, m * c * kh * kw));
      const B = f32('B', [m], randomValues(rng, m));
      const eps = 1e-3;
      const g = buildGraph({
        inputs: [['X', [1, c, 4, 4]]],
        outputs: ['Y'],
        nodes: [
          n('Conv', withBias ? ['X', 'W', 'B'] : ['X', 'W'], ['c'], {}, { name: 'conv' }),
          n('BatchNormalization', ['c', 'scale', 'beta', 'mean', 'var'], ['Y'], { epsilon: float(eps) }),
        ],
        constants: [W, B, ...bnConstants(rng, m)],
      });
      const bn = Object.fromEntries(['scale', 'beta', 'mean', 'var'].map((k) => [k, values(g, k)]));
      const W0 = Float32Array.from(W.data as Float32Array);
      foldBatchNorm(g);
      expect(opTypes(g)).toEqual(['Conv']);
      const convNode = nodeNamed(g, 'conv');
      expect(convNode.outputs).toEqual(['Y']);
      const [, wName, bName] = convNode.inputs;
      const a = Array.from({ length: m }, (_, k) => bn.scale![k]! / Math.sqrt(bn.var![k]! + Math.fround(eps)));
      const wFolded = values(g, wName!);
      const perChannel = c * kh * kw;
      for (let i = 0; i < wFolded.length; ++i) expect(wFolded[i]).toBe(Math.fround(W0[i]! * a[Math.floor(i / perChannel)]!));
      const bFolded = values(g, bName!);
      for (let k = 0; k < m; ++k) {
        const b0 = withBias ? (B.data[k] as number) : 0;
        expect(bFolded[k]).toBe(Math.fround((b0 - bn.mean![k]!) * a[k]! + bn.beta![k]!));
      }
      // The conv was W's only user: W' overwrote W rather than holding a second copy.
      expect(g.constants.get(wName!)!.data).toBe(W.data);

      // Same outputs as Conv then BN, in float64.
      const x = randomValues(rng, c * 16);
      const before = conv(x, [1, c, 4, 4], W0, W.dims, withBias ? (B.data as Float32Array) : null);
      const spatial = 9;
      const expected = before.map((v, i) => {
        const k = Math.floor(i / spatial) % m;
        return ((v - bn.mean![k]!) / Math.sqrt(bn.var![k]! + Math.fround(eps))) * bn.scale![k]! + bn.beta![k]!;
      });
      const after = conv(x, [1, c, 4, 4], wFolded, W.dims, bFolded);
      after.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
    });
  }

  it('leaves weights shared by two convs untouched, giving each its own folded copy', () => {
    const [m, c] = [2, 2];
    const W = f32('W', [m, c, 1, 1], randomValues(rng, m * c));
    const W0 = Float32Array.from(W.data as Float32Array);
    const g = buildGraph({
      inputs: [['X', [1, c, 2, 2]]],
      outputs: ['Y1', 'Y2'],
      nodes: [
        n('Conv', ['X', 'W'], ['c1'], {}, { name: 'conv1' }),
        n('BatchNormalization', ['c1', 'scale', 'beta', 'mean', 'var'], ['Y1']),
        n('Conv', ['X', 'W'], ['c2'], {}, { name: 'conv2' }),
        n('BatchNormalization', ['c2', 'scale', 'beta', 'mean', 'var'], ['Y2']),
      ],
      constants: [W, ...bnConstants(rng, m)],
    });
    foldBatchNorm(g);
    expect(opTypes(g)).toEqual(['Conv', 'Conv']);
    expect(W.data).toEqual(W0);
    const w1 = g.constants.get(nodeNamed(g, 'conv1').inputs[1]!)!.data;
    const w2 = g.constants.get(nodeNamed(g, 'conv2').inputs[1]!)!.data;
    expect(w1).not.toBe(W.data);
    expect(w2).not.toBe(w1);
    expect(w1).toEqual(w2);
  });

  for (const transB of [0, 1]) {
    it(`folds BN into Gemm (transB=${transB}, alpha, beta, C per column)`, () => {
      const [mRows, k, nCols] = [2, 3, 4];
      const Wdims = transB ? [nCols, k] : [k, nCols];
      const W = f32('W', Wdims, randomValues(rng, k * nCols));
      const C = f32('C', [nCols], randomValues(rng, nCols));
      const alpha = 0.75;
      const beta = 1.5;
      const g = buildGraph({
        inputs: [['A', [mRows, k]]],
        outputs: ['Y'],
        nodes: [
          n('Gemm', ['A', 'W', 'C'], ['g'], { transB: int(transB), alpha: float(alpha), beta: float(beta) }, { name: 'gemm' }),
          n('BatchNormalization', ['g', 'scale', 'beta', 'mean', 'var'], ['Y']),
        ],
        constants: [W, C, ...bnConstants(rng, nCols)],
      });
      const bn = Object.fromEntries(['scale', 'beta', 'mean', 'var'].map((key) => [key, values(g, key)]));
      const W0 = Float32Array.from(W.data as Float32Array);
      foldBatchNorm(g);
      expect(opTypes(g)).toEqual(['Gemm']);
      const gemm = nodeNamed(g, 'gemm');
      expect(gemm.attributes.get('beta')).toEqual({ type: 'float', value: 1 });
      expect(gemm.attributes.get('alpha')).toEqual({ type: 'float', value: alpha });
      const w2 = values(g, gemm.inputs[1]!);
      const c2 = values(g, gemm.inputs[2]!);
      const A = randomValues(rng, mRows * k);
      const wAt = (w: ArrayLike<number>, kk: number, col: number) => w[transB ? col * k + kk : kk * nCols + col]!;
      for (let r = 0; r < mRows; ++r) {
        for (let col = 0; col < nCols; ++col) {
          let dot = 0;
          let dot2 = 0;
          for (let kk = 0; kk < k; ++kk) {
            dot += A[r * k + kk]! * wAt(W0, kk, col);
            dot2 += A[r * k + kk]! * wAt(w2, kk, col);
          }
          const y = alpha * dot + beta * (C.data[col] as number);
          const expected = ((y - bn.mean![col]!) / Math.sqrt(bn.var![col]! + Math.fround(1e-5))) * bn.scale![col]! + bn.beta![col]!;
          expect(alpha * dot2 + c2[col]!).toBeCloseTo(expected, 5);
        }
      }
    });
  }

  it('folds into a Gemm without C', () => {
    const g = buildGraph({
      inputs: [['A', [1, 2]]],
      outputs: ['Y'],
      nodes: [n('Gemm', ['A', 'W'], ['g']), n('BatchNormalization', ['g', 'scale', 'beta', 'mean', 'var'], ['Y'])],
      constants: [f32('W', [2, 3], [1, 2, 3, 4, 5, 6]), ...bnConstants(rng, 3)],
    });
    foldBatchNorm(g);
    expect(opTypes(g)).toEqual(['Gemm']);
    expect(g.nodes[0]!.inputs).toHaveLength(3);
  });

  const cases: [string, (g: IrGraph) => void][] = [
    ['the Conv output has another reader', (g) => g.nodes.push({ ...g.nodes[0]!, id: 99, name: 'other', opType: 'Relu', inputs: ['c'], outputs: ['r'] })],
    ['the Conv output is a graph output', (g) => g.outputs.push({ name: 'c', type: { elemType: 'float32', shape: null } })],
    ['training_mode is 1', (g) => g.nodes[1]!.attributes.set('training_mode', int(1))],
    ['spatial is 0 (opset 7)', (g) => g.nodes[1]!.attributes.set('spatial', int(0))],
    ['the scale is not a constant', (g) => g.constants.delete('scale')],
    ['the weights are not a constant', (g) => g.constants.delete('W')],
    ['the mean has the wrong length', (g) => g.constants.set('mean', f32('mean', [2], [0, 0]))],
    ['the running-mean output is used', (g) => {
      g.nodes[1]!.outputs.push('rm');
      g.outputs.push({ name: 'rm', type: { elemType: 'float32', shape: null } });
    }],
    ['the Conv already has a fused activation', (g) => g.nodes[0]!.attributes.set('activation', { type: 'string', value: 'Relu' })],
  ];
  for (const [what, spoil] of cases) {
    it(`does not fold when ${what}`, () => {
      const g = buildGraph({
        inputs: [['X', [1, 2, 3, 3]]],
        outputs: ['Y'],
        nodes: [n('Conv', ['X', 'W'], ['c']), n('BatchNormalization', ['c', 'scale', 'beta', 'mean', 'var'], ['Y'])],
        constants: [f32('W', [3, 2, 1, 1]), ...bnConstants(rng, 3)],
      });
      spoil(g);
      const count = g.nodes.length;
      foldBatchNorm(g);
      expect(g.nodes).toHaveLength(count);
      expect(g.nodes.some((x) => x.opType === 'BatchNormalization')).toBe(true);
    });
  }

  it('does not fold a Gemm whose C varies along M', () => {
    const g = buildGraph({
      inputs: [['A', [2, 2]]],
      outputs: ['Y'],
      nodes: [n('Gemm', ['A', 'W', 'C'], ['g']), n('BatchNormalization', ['g', 'scale', 'beta', 'mean', 'var'], ['Y'])],
      constants: [f32('W', [2, 3]), f32('C', [2, 3]), ...bnConstants(rng, 3)],
    });
    foldBatchNorm(g);
    expect(opTypes(g)).toEqual(['Gemm', 'BatchNormalization']);
  });
});
