// Generates golden Resize/Upsample outputs from onnxruntime-node for native/tests/resize_golden.h.
// Usage (from the repository root): node native/tests/gen_resize_golden.cjs > native/tests/resize_golden.h
'use strict';
const path = require('path');
const root = process.cwd();
const { onnx } = require(path.join(root, 'node_modules/onnx-proto'));
const ort = require(path.join(root, 'node_modules/onnxruntime-node'));

function data(n) {
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = ((i * 37 + 11) % 101) / 8 - 6;
  return v;
}
const A = onnx.AttributeProto.AttributeType;
function attr(name, v) {
  if (typeof v === 'string') return { name, type: A.STRING, s: Buffer.from(v) };
  if (Array.isArray(v)) return { name, type: A.INTS, ints: v };
  if (Number.isInteger(v) && name !== 'cubic_coeff_a' && name !== 'extrapolation_value') return { name, type: A.INT, i: v };
  return { name, type: A.FLOAT, f: v };
}
function tensorF(name, vals) { return { name, dataType: 1, dims: [vals.length], floatData: vals }; }
function tensorI(name, vals) { return { name, dataType: 7, dims: [vals.length], int64Data: vals }; }

async function run(c) {
  const inits = [];
  const inputs = ['X'];
  if (c.op === 'Upsample') {
    if (c.opset >= 9) { inits.push(tensorF('scales', c.scales)); inputs.push('scales'); }
  } else if (c.opset === 10) {
    inits.push(tensorF('scales', c.scales)); inputs.push('scales');
  } else {
    // Opsets 11-12 require roi and scales (empty when unused); 13+ let them be omitted.
    const roi = c.roi || (c.opset < 13 ? [] : null), scales = c.scales || (c.opset < 13 ? [] : null);
    inputs.push(roi ? 'roi' : '');
    if (roi) inits.push(tensorF('roi', roi));
    inputs.push(scales ? 'scales' : '');
    if (scales) inits.push(tensorF('scales', scales));
    if (c.sizes) { inits.push(tensorI('sizes', c.sizes)); inputs.push('sizes'); }
  }
  while (inputs.length && inputs[inputs.length - 1] === '') inputs.pop();
  const attrs = Object.entries(c.attrs || {}).map(([k, v]) => attr(k, v));
  if (c.op === 'Upsample' && c.opset < 9) attrs.push({ name: 'scales', type: A.FLOATS, floats: c.scales });
  const model = onnx.ModelProto.create({
    irVersion: c.opset >= 19 ? 9 : 7,
    opsetImport: [{ domain: '', version: c.opset }],
    graph: {
      name: 'g',
      node: [{ opType: c.op, input: inputs, output: ['Y'], attribute: attrs }],
      initializer: inits,
      input: [{ name: 'X', type: { tensorType: { elemType: 1, shape: { dim: c.shape.map((d) => ({ dimValue: d })) } } } }],
      output: [{ name: 'Y', type: { tensorType: { elemType: 1 } } }],
    },
  });
  const bytes = onnx.ModelProto.encode(model).finish();
  const session = await ort.InferenceSession.create(bytes);
  const n = c.shape.reduce((a, b) => a * b, 1);
  const out = await session.run({ X: new ort.Tensor('float32', data(n), c.shape) });
  return out.Y;
}

const cases = [];
const X4 = [1, 2, 4, 5];
const up = [1, 1, 2, 1.5], down = [1, 1, 0.6, 0.8], mixed = [1, 1, 1.7, 0.55];
for (const nearest of ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil']) {
  for (const coord of ['half_pixel', 'asymmetric', 'align_corners', 'pytorch_half_pixel', 'tf_half_pixel_for_nn']) {
    const opset = coord === 'tf_half_pixel_for_nn' ? 11 : 13;
    const a = { mode: 'nearest', nearest_mode: nearest, coordinate_transformation_mode: coord };
    cases.push({ op: 'Resize', opset, shape: X4, attrs: a, scales: mixed });
    cases.push({ op: 'Resize', opset, shape: X4, attrs: a, scales: up });
    cases.push({ op: 'Resize', opset, shape: X4, attrs: a, sizes: [1, 2, 7, 3] });
  }
}
for (const coord of ['half_pixel', 'asymmetric', 'align_corners', 'pytorch_half_pixel']) {
  const a = { mode: 'linear', coordinate_transformation_mode: coord };
  cases.push({ op: 'Resize', opset: 13, shape: X4, attrs: a, scales: mixed });
  cases.push({ op: 'Resize', opset: 13, shape: X4, attrs: a, scales: down });
  cases.push({ op: 'Resize', opset: 13, shape: X4, attrs: a, sizes: [1, 2, 1, 1] });
  cases.push({ op: 'Resize', opset: 13, shape: X4, attrs: a, sizes: [1, 2, 7, 3] });
}
for (const mode of ['nearest', 'linear']) {
  cases.push({ op: 'Resize', opset: 19, shape: X4, attrs: { mode, coordinate_transformation_mode: 'half_pixel_symmetric' }, scales: mixed });
  cases.push({ op: 'Resize', opset: 19, shape: X4, attrs: { mode, coordinate_transformation_mode: 'half_pixel_symmetric' }, scales: [1, 1, 0.7, 2.3] });
}
for (const a of [-0.75, -0.5]) {
  for (const ex of [0, 1]) {
    for (const coord of ['half_pixel', 'align_corners', 'asymmetric']) {
      const at = { mode: 'cubic', cubic_coeff_a: a, exclude_outside: ex, coordinate_transformation_mode: coord };
      cases.push({ op: 'Resize', opset: 13, shape: X4, attrs: at, scales: up });
      cases.push({ op: 'Resize', opset: 13, shape: X4, attrs: at, scales: mixed });
    }
  }
}
for (const mode of ['nearest', 'linear', 'cubic']) {
  cases.push({ op: 'Resize', opset: 13, shape: X4, attrs: { mode, coordinate_transformation_mode: 'tf_crop_and_resize', extrapolation_value: 3.5 },
               roi: [0, 0, 0.2, 0.1, 1, 1, 0.9, 1.3], sizes: [1, 2, 5, 4] });
  cases.push({ op: 'Resize', opset: 13, shape: X4, attrs: { mode, coordinate_transformation_mode: 'tf_crop_and_resize' },
               roi: [0, 0, -0.3, 0.25, 1, 1, 0.6, 0.75], sizes: [1, 2, 3, 1] });
}
for (const policy of ['not_larger', 'not_smaller']) {
  for (const mode of ['nearest', 'linear']) {
    cases.push({ op: 'Resize', opset: 18, shape: X4, attrs: { mode, axes: [2, 3], keep_aspect_ratio_policy: policy }, sizes: [7, 3] });
  }
}
cases.push({ op: 'Resize', opset: 18, shape: X4, attrs: { mode: 'linear', axes: [3, 2] }, scales: [0.8, 1.5] });
cases.push({ op: 'Resize', opset: 18, shape: X4, attrs: { mode: 'nearest', axes: [-1] }, sizes: [8] });
for (const mode of ['nearest', 'linear']) {
  cases.push({ op: 'Resize', opset: 10, shape: X4, attrs: { mode }, scales: up });
  cases.push({ op: 'Resize', opset: 10, shape: X4, attrs: { mode }, scales: down });
  cases.push({ op: 'Upsample', opset: 9, shape: X4, attrs: { mode }, scales: [1, 1, 2, 3] });
  cases.push({ op: 'Upsample', opset: 7, shape: X4, attrs: { mode }, scales: [1, 1, 1.5, 2.5] });
}
cases.push({ op: 'Resize', opset: 13, shape: [2, 3, 5], attrs: { mode: 'nearest' }, scales: [1.5, 2.5, 0.4] });
cases.push({ op: 'Resize', opset: 13, shape: [4, 5], attrs: { mode: 'linear' }, sizes: [7, 3] });
cases.push({ op: 'Resize', opset: 13, shape: [4, 5], attrs: { mode: 'cubic' }, sizes: [9, 2] });

// Nine significant digits round-trip any float32; trailing zeros dropped.
const f = (x) => {
  let s = Math.fround(x).toPrecision(9);
  if (s.includes('e')) return s + 'f';
  s = s.replace(/0+$/, '').replace(/\.$/, '.0');
  return s + 'f';
};
(async () => {
  const lines = [];
  let skipped = 0;
  for (const c of cases) {
    let y;
    try { y = await run(c); } catch (e) { skipped++; process.stderr.write(`skip ${JSON.stringify(c)}: ${e.message.split('\n')[0]}\n`); continue; }
    const a = c.attrs || {};
    const s = (v) => (v === undefined ? '""' : JSON.stringify(String(v)));
    lines.push(`    {"${c.op}", ${c.opset}, ${s(a.mode)}, ${s(a.coordinate_transformation_mode)}, ${s(a.nearest_mode)}, ` +
      `${a.cubic_coeff_a === undefined ? '-0.75f' : f(a.cubic_coeff_a)}, ${a.exclude_outside || 0}, ` +
      `${a.extrapolation_value === undefined ? '0.0f' : f(a.extrapolation_value)}, {${(a.axes || []).join(', ')}}, ${s(a.keep_aspect_ratio_policy)},\n` +
      `     {${c.shape.join(', ')}}, {${(c.roi || []).map(f).join(', ')}}, {${(c.scales || []).map(f).join(', ')}}, {${(c.sizes || []).join(', ')}},\n` +
      `     {${y.dims.join(', ')}},\n     {${Array.from(y.data).map(f).join(', ')}}},`);
  }
  process.stdout.write(`// Generated by native/tests/gen_resize_golden.cjs from onnxruntime-node ${require(path.join(root, 'node_modules/onnxruntime-node/package.json')).version}:
// Resize/Upsample outputs for the input x[i] = ((i * 37 + 11) % 101) / 8 - 6 (float32, row-major).
// Do not edit by hand; rerun the script (node native/tests/gen_resize_golden.cjs > native/tests/resize_golden.h).
#pragma once

#include <cstdint>
#include <vector>

namespace octet::test {

struct ResizeGolden {
  const char* op;
  int opset;
  const char* mode;
  const char* coordinate_transformation_mode;
  const char* nearest_mode;
  float cubic_coeff_a;
  int exclude_outside;
  float extrapolation_value;
  std::vector<int64_t> axes;
  const char* keep_aspect_ratio_policy;
  std::vector<int64_t> shape;
  std::vector<float> roi, scales;
  std::vector<int64_t> sizes;
  std::vector<int64_t> out_shape;
  std::vector<float> expected;
};

inline const std::vector<ResizeGolden>& resize_golden_cases() {
  static const std::vector<ResizeGolden> cases = {
${lines.join('\n')}
  };
  return cases;
}

}  // namespace octet::test
`);
  process.stderr.write(`${cases.length - skipped} cases, ${skipped} skipped\n`);
})();
