/**
 * Shape rule of com.microsoft MatMulNBits (weight-only quantized MatMul: onnxruntime's 4/8-bit
 * quantizer and octet's quantizeWeights write it). Y[..., N] = A[..., K] · B, B stored as uint8
 * [N, k_blocks, blob_size] codes with a scale (and optionally a zero point) per column and block.
 * Everything the native kernel needs constant is checked here, so a bad model fails at create().
 */
import { formatShape } from '../broadcast.js';
import type { ShapeRule } from './context.js';

const divUp = (a: number, b: number) => Math.ceil(a / b);

export const matmulNBits: ShapeRule = (c) => {
  const K = c.int('K');
  const N = c.int('N');
  if (K === undefined || N === undefined) throw c.typeError(`attributes 'K' and 'N' are required`);
  if (K < 1 || N < 1) throw c.rangeError(`attributes K = ${K} and N = ${N} must be at least 1`);
  const bits = c.int('bits', 4);
  if (bits !== 4 && bits !== 8) throw c.rangeError(`attribute 'bits' is ${bits}; 4 and 8 are supported`);
  const blockSize = c.int('block_size');
  if (blockSize === undefined) throw c.typeError(`attribute 'block_size' is required`);
  if (blockSize < 16 || (blockSize & (blockSize - 1)) !== 0) throw c.rangeError(`attribute 'block_size' is ${blockSize}, expected a power of 2 of at least 16`);
  const blocks = divUp(K, blockSize);
  const blob = (blockSize * bits) / 8;

  c.requireType(0, ['float32'], `${c.label(0)} (A)`);
  const a = c.shape(0);
  if (a.length === 0 || a[a.length - 1] !== K) throw c.rangeError(`A ${formatShape(a)} must end in K = ${K}`);
  c.requireType(1, ['uint8'], `${c.label(1)} (B)`);
  if (!c.value(1)) throw c.typeError(`${c.label(1)} (B) must be a constant (an initializer): its codes are repacked once per session`);
  const b = c.shape(1);
  if (b[0] !== N || b.reduce((x, y) => x * y, 1) !== N * blocks * blob) {
    throw c.rangeError(`B ${formatShape(b)} must hold [N, k_blocks, blob_size] = [${N}, ${blocks}, ${blob}] bytes`);
  }
  c.requireType(2, ['float32'], `${c.label(2)} (scales)`);
  if (!c.value(2)) throw c.typeError(`${c.label(2)} (scales) must be a constant (an initializer)`);
  const nScales = c.shape(2).reduce((x, y) => x * y, 1);
  if (nScales !== N * blocks) throw c.rangeError(`scales ${formatShape(c.shape(2))} must hold N · k_blocks = ${N * blocks} values`);
  if (c.has(3)) {
    const type = c.requireType(3, ['uint8', 'float32'], `${c.label(3)} (zero_points)`);
    if (!c.value(3)) throw c.typeError(`${c.label(3)} (zero_points) must be a constant (an initializer)`);
    const want = type === 'uint8' ? N * divUp(blocks * bits, 8) : N * blocks;
    const got = c.shape(3).reduce((x, y) => x * y, 1);
    if (got !== want) throw c.rangeError(`zero_points ${formatShape(c.shape(3))} must hold ${want} values`);
  }
  if (c.has(4)) throw c.typeError(`${c.label(4)} (g_idx, act-order) is not supported`);
  if (c.has(5)) {
    c.requireType(5, ['float32'], `${c.label(5)} (bias)`);
    const bias = c.shape(5);
    if (bias.length !== 1 || bias[0] !== N) throw c.rangeError(`bias ${formatShape(bias)} must be [${N}]`);
  }
  return [{ elemType: 'float32', shape: [...a.slice(0, -1), N] }];
};
