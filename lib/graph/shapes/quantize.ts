/**
 * Shape rules of QuantizeLinear, DequantizeLinear and DynamicQuantizeLinear. Outputs have X's shape;
 * the types: QuantizeLinear gives output_dtype (opset 21), else the zero point's type, else uint8;
 * DequantizeLinear gives float32, from opset 19 the scale's type.
 */
import { elemTypeName } from '../../onnx/tensor-proto.js';
import { formatShape, sizeOf } from '../broadcast.js';
import type { NodeContext, ShapeRule } from './context.js';

/** Scale (input si) and zero point (zi) must be per tensor, per axis (1-D of X[axis]) or blocked (X's rank). */
function checkQuantParams(c: NodeContext, si: number, zi: number): void {
  const x = c.shape(0);
  const scale = c.shape(si);
  const perTensor = scale.length === 0 || (scale.length === 1 && scale[0] === 1);
  if (!perTensor) {
    if (scale.length === 1) {
      if (c.opset < 13) throw c.rangeError(`per-axis scales need opset 13, got ${c.label(si)} with shape ${formatShape(scale)}`);
      const axis = c.axis(c.int('axis', 1), x.length);
      if (scale[0] !== x[axis]) {
        throw c.rangeError(`${c.label(si)} (scale) shape ${formatShape(scale)} must be [${x[axis]}] (axis ${axis} of X shape ${formatShape(x)})`);
      }
    } else if (!(c.opset >= 21 && scale.length === x.length)) {
      throw c.rangeError(`${c.label(si)} (scale) must be a scalar or 1-D, got shape ${formatShape(scale)}`);
    }
  }
  if (c.has(zi)) {
    const zp = c.shape(zi);
    if (zp.length !== scale.length || zp.some((d, i) => d !== scale[i])) {
      // A [1] zero point with a scalar scale (and the reverse) is common and harmless.
      if (!(sizeOf(zp) === 1 && perTensor)) {
        throw c.rangeError(`${c.label(zi)} (zero point) shape ${formatShape(zp)} must equal the scale's ${formatShape(scale)}`);
      }
    }
  }
}

const quantizeLinear: ShapeRule = (c) => {
  const x = c.input(0);
  checkQuantParams(c, 1, 2);
  const outputDtype = c.opset >= 21 ? c.int('output_dtype', 0) : 0;
  let elemType = c.has(2) ? c.input(2).elemType : 'uint8';
  if (outputDtype !== 0) {
    let named;
    try {
      named = elemTypeName(outputDtype, 'output_dtype');
    } catch (e) {
      throw c.rangeError((e as Error).message);
    }
    if (c.has(2) && named !== elemType) throw c.typeError(`output_dtype ${named} differs from the zero point's type ${elemType}`);
    elemType = named;
  }
  return [{ elemType, shape: [...x.shape] }];
};

const dequantizeLinear: ShapeRule = (c) => {
  const x = c.input(0);
  c.sameType(0, 2);
  checkQuantParams(c, 1, 2);
  return [{ elemType: c.opset >= 19 ? c.input(1).elemType : 'float32', shape: [...x.shape] }];
};

const dynamicQuantizeLinear: ShapeRule = (c) => {
  c.requireType(0, ['float32']);
  return [
    { elemType: 'uint8', shape: [...c.shape(0)] },
    { elemType: 'float32', shape: [] },
    { elemType: 'uint8', shape: [] },
  ];
};

export const quantizeRules: Record<string, ShapeRule> = {
  QuantizeLinear: quantizeLinear,
  DequantizeLinear: dequantizeLinear,
  DynamicQuantizeLinear: dynamicQuantizeLinear,
};
