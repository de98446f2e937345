/**
 * Shape rules of Resize (opsets 10, 11, 13, 18, 19) and Upsample (7, 9). An output dim from a scale
 * is floor(in · scale) with the product formed in float32, as ONNX's own shape inference and
 * onnxruntime compute it (so 0.6 · 5 gives 3, not 2.9999). From opset 18, `axes` restricts scales/sizes
 * to some dims and keep_aspect_ratio_policy turns sizes into one common scale.
 */
import { formatShape } from '../broadcast.js';
import { numericValues } from '../evaluate/data.js';
import type { NodeContext, ShapeRule } from './context.js';

/** floor(in · scale) with a float32 product; RangeError for non-positive or non-finite scales. */
function scaledDim(c: NodeContext, size: number, scale: number): number {
  if (!(scale > 0) || !Number.isFinite(scale)) throw c.rangeError(`scales must be positive and finite, got ${scale}`);
  return Math.floor(Math.fround(Math.fround(size) * Math.fround(scale)));
}

function fromScales(c: NodeContext, shape: readonly number[], scales: readonly number[], axes: readonly number[]): number[] {
  if (scales.length !== axes.length) {
    throw c.rangeError(`scales [${scales.join(',')}] must have ${axes.length} values (one per ${axes.length === shape.length ? 'input dim' : 'axis'}) for input shape ${formatShape(shape)}`);
  }
  const out = [...shape];
  axes.forEach((a, k) => {
    out[a] = scaledDim(c, shape[a]!, scales[k]!);
  });
  return out;
}

/** The float32 scales of parameter input `i`. */
function floatScales(c: NodeContext, i: number): number[] {
  c.requireType(i, ['float32'], `${c.label(i)} (scales)`);
  return numericValues(c.param(i, 'scales'));
}

/** Resize's output shape (also used to check the plan's). */
export function resizeShape(c: NodeContext): number[] {
  const x = c.shape(0);
  const rank = x.length;
  if (c.opset < 11) return fromScales(c, x, floatScales(c, 1), x.map((_, i) => i));

  const axesAttr = c.opset >= 18 ? c.ints('axes') : undefined;
  const axes = axesAttr ? c.axes(axesAttr, rank) : x.map((_, i) => i);
  const scales = c.has(2) ? c.param(2, 'scales') : undefined;
  const sizes = c.has(3) ? c.param(3, 'sizes') : undefined;
  const haveScales = scales !== undefined && scales.data.length > 0;
  const haveSizes = sizes !== undefined && sizes.data.length > 0;
  if (haveScales && haveSizes) throw c.rangeError('only one of scales and sizes may be given (the other empty or omitted)');
  if (haveScales) return fromScales(c, x, floatScales(c, 2), axes);
  if (!haveSizes) throw c.typeError('one of scales (input 2) and sizes (input 3) must be given and non-empty');

  c.requireType(3, ['int64'], `${c.label(3)} (sizes)`);
  const wanted = c.intParam(3, 'sizes');
  if (wanted.length !== axes.length) {
    throw c.rangeError(`sizes [${wanted.join(',')}] must have ${axes.length} values for input shape ${formatShape(x)}`);
  }
  if (wanted.some((s) => s < 0)) throw c.rangeError(`sizes [${wanted.join(',')}] has a negative size`);
  const policy = c.opset >= 18 ? c.string('keep_aspect_ratio_policy', 'stretch') : 'stretch';
  const out = [...x];
  if (policy === 'stretch') {
    axes.forEach((a, k) => {
      out[a] = wanted[k]!;
    });
    return out;
  }
  if (policy !== 'not_larger' && policy !== 'not_smaller') {
    throw c.rangeError(`keep_aspect_ratio_policy must be stretch, not_larger or not_smaller, got '${policy}'`);
  }
  // One scale for every axis (the smallest / largest ratio, in float32), then round(scale · in).
  const ratios = axes.map((a, k) => Math.fround(Math.fround(wanted[k]!) / Math.fround(x[a]!)));
  const scale = policy === 'not_larger' ? Math.min(...ratios) : Math.max(...ratios);
  for (const a of axes) out[a] = Math.round(Math.fround(scale * Math.fround(x[a]!)));
  return out;
}

const resize: ShapeRule = (c) => [{ elemType: c.input(0).elemType, shape: resizeShape(c) }];

const upsample: ShapeRule = (c) => {
  const x = c.shape(0);
  let scales: number[];
  if (c.opset < 9) {
    const attr = c.floats('scales');
    if (!attr) throw c.typeError("attribute 'scales' is required");
    scales = attr;
  } else {
    scales = floatScales(c, 1);
  }
  return [{ elemType: c.input(0).elemType, shape: fromScales(c, x, scales, x.map((_, i) => i)) }];
};

export const resizeRules: Record<string, ShapeRule> = { Resize: resize, Upsample: upsample };
