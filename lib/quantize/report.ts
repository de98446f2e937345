/**
 * What quantization cost, layer by layer: the SQNR of every quantized tensor (the float model's value
 * against the quantized model's, on calibration batches kept for it), histograms of activations and
 * weights with the chosen range, the nodes left float, sizes and latency of both models — as JSON
 * (QuantizationReport.layers) and as one self-contained HTML page with SVG plots (reportHtml).
 */
import { InferenceSession, type InferenceSessionFeeds } from '../session/session.js';
import type { Tensor } from '../tensor.js';

export interface Histogram {
  /** Bin edges are lo + i·(hi − lo)/counts.length. */
  lo: number;
  hi: number;
  counts: number[];
}

export interface LayerReport {
  tensor: string;
  /** 10·log10(Σ float² / Σ (float − quantized)²) over the evaluation batches; Infinity when exact. */
  sqnrDb: number;
  histogram: Histogram;
  /** The quantized range. */
  rangeMin: number;
  rangeMax: number;
}

export interface WeightHistogram {
  name: string;
  histogram: Histogram;
  /** ±max|w|: the symmetric range of the weights (per tensor; per channel is tighter). */
  range: number;
}

export const REPORT_BINS = 64;

export function histogramOf(data: ArrayLike<number>, lo: number, hi: number, bins = REPORT_BINS): Histogram {
  const counts = new Array<number>(bins).fill(0);
  const width = (hi - lo) / bins || 1;
  for (let i = 0; i < data.length; i++) counts[Math.max(0, Math.min(bins - 1, Math.floor((data[i]! - lo) / width)))]!++;
  return { lo, hi, counts };
}

/** Adds `other`'s counts into `into` (same bins). */
export function addHistogram(into: Histogram, data: ArrayLike<number>): void {
  const h = histogramOf(data, into.lo, into.hi, into.counts.length);
  for (let i = 0; i < h.counts.length; i++) into.counts[i]! += h.counts[i]!;
}

/**
 * SQNR of each tensor: the float model's values (`float`, a session whose outputs include them)
 * against the quantized model's dequantized ones (`quantized`, outputs `<tensor>_dequantized`).
 */
export async function tensorSqnr(float: InferenceSession, quantized: InferenceSession, dequantizedName: Map<string, string>, batches: InferenceSessionFeeds[], isInput: (name: string) => boolean): Promise<Map<string, number>> {
  const signal = new Map<string, number>(), noise = new Map<string, number>();
  for (const feeds of batches) {
    const f = await float.run(feeds);
    const q = await quantized.run(feeds);
    for (const [tensor, dq] of dequantizedName) {
      const a = (isInput(tensor) ? feeds[tensor] : f[tensor]) as Tensor | undefined;
      const b = q[dq];
      if (!a || !b || a.type !== 'float32' || b.type !== 'float32') continue;
      const x = a.data as Float32Array, y = b.data as Float32Array;
      let s = 0, e = 0;
      for (let i = 0; i < x.length; i++) {
        s += x[i]! * x[i]!;
        e += (x[i]! - y[i]!) ** 2;
      }
      signal.set(tensor, (signal.get(tensor) ?? 0) + s);
      noise.set(tensor, (noise.get(tensor) ?? 0) + e);
    }
  }
  const out = new Map<string, number>();
  for (const [t, s] of signal) out.set(t, noise.get(t)! === 0 ? Infinity : 10 * Math.log10(s / noise.get(t)!));
  return out;
}

/** Median latency of one run of `session` on `feeds`, in milliseconds. */
export async function medianLatency(session: InferenceSession, feeds: InferenceSessionFeeds, runs = 20): Promise<number> {
  await session.run(feeds);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await session.run(feeds);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[runs >> 1]!;
}

const escape = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** An SVG bar chart of `h`, with vertical marks at `marks` (the chosen range). */
function svgHistogram(h: Histogram, marks: number[]): string {
  const w = 320, hgt = 80, max = Math.max(1, ...h.counts);
  const x = (v: number) => ((v - h.lo) / (h.hi - h.lo || 1)) * w;
  const bw = w / h.counts.length;
  const bars = h.counts.map((c, i) => {
    const bh = (Math.log1p(c) / Math.log1p(max)) * hgt;
    return `<rect x="${(i * bw).toFixed(1)}" y="${(hgt - bh).toFixed(1)}" width="${Math.max(bw - 0.5, 0.5).toFixed(1)}" height="${bh.toFixed(1)}" fill="#4a7bd0"/>`;
  });
  const lines = marks.filter((m) => m >= h.lo && m <= h.hi).map((m) => `<line x1="${x(m).toFixed(1)}" x2="${x(m).toFixed(1)}" y1="0" y2="${hgt}" stroke="#d04a4a" stroke-width="1.5"/>`);
  return `<svg width="${w}" height="${hgt + 14}" viewBox="0 0 ${w} ${hgt + 14}">${bars.join('')}${lines.join('')}<text x="0" y="${hgt + 12}" font-size="10">${h.lo.toPrecision(3)}</text><text x="${w}" y="${hgt + 12}" font-size="10" text-anchor="end">${h.hi.toPrecision(3)}</text></svg>`;
}

export interface HtmlReportInput {
  title: string;
  method: string;
  layers: LayerReport[];
  weights: WeightHistogram[];
  floatNodes: string[];
  bytesBefore: number;
  bytesAfter: number;
  latencyFloatMs?: number;
  latencyQuantizedMs?: number;
}

export function reportHtml(r: HtmlReportInput): string {
  const rows = r.layers
    .map((l) => `<tr><td>${escape(l.tensor)}</td><td>${Number.isFinite(l.sqnrDb) ? l.sqnrDb.toFixed(1) : '∞'}</td><td>${l.rangeMin.toPrecision(4)} … ${l.rangeMax.toPrecision(4)}</td><td>${svgHistogram(l.histogram, [l.rangeMin, l.rangeMax])}</td></tr>`)
    .join('\n');
  const weightRows = r.weights.map((w) => `<tr><td>${escape(w.name)}</td><td>±${w.range.toPrecision(4)}</td><td>${svgHistogram(w.histogram, [-w.range, w.range])}</td></tr>`).join('\n');
  const latency = r.latencyFloatMs !== undefined && r.latencyQuantizedMs !== undefined
    ? `<p>Latency (median, first calibration batch): float ${r.latencyFloatMs.toFixed(3)} ms, quantized ${r.latencyQuantizedMs.toFixed(3)} ms (${(r.latencyFloatMs / r.latencyQuantizedMs).toFixed(2)}×).</p>`
    : '';
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${escape(r.title)}</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:middle}</style>
</head><body>
<h1>${escape(r.title)}</h1>
<p>Calibration: ${escape(r.method)}. Model size: ${(r.bytesBefore / 1024).toFixed(0)} KiB → ${(r.bytesAfter / 1024).toFixed(0)} KiB.</p>
${latency}
<h2>Activations: SQNR of the quantized value, histogram (log scale) with the quantized range in red</h2>
<table><tr><th>tensor</th><th>SQNR dB</th><th>range</th><th>histogram</th></tr>
${rows}
</table>
<h2>Weights</h2>
<table><tr><th>weight</th><th>range</th><th>histogram</th></tr>
${weightRows}
</table>
<h2>Nodes left float (${r.floatNodes.length})</h2>
<p>${r.floatNodes.map(escape).join(', ') || 'none'}</p>
</body></html>
`;
}

/**
 * The report of any QDQ model against its float original (one quantized here, by onnxruntime's
 * quantizer, or exported from QAT): each float tensor a QuantizeLinear quantizes is compared with its
 * DequantizeLinear'd value, on `batches`; weights are the DequantizeLinear'd constants; the nodes left
 * float are those octet runs as fallback or float.
 */
export async function compareModels(floatBytes: Uint8Array, quantizedBytes: Uint8Array, batches: InferenceSessionFeeds[], title: string): Promise<string> {
  const { onnxProto: onnx, readModel } = await import('../onnx/index.js');
  const qm = onnx.ModelProto.decode(quantizedBytes);
  const fm = onnx.ModelProto.decode(floatBytes);
  const floatValues = new Set<string>((fm.graph?.node ?? []).flatMap((n) => n.output ?? []).concat((fm.graph?.input ?? []).map((i) => i.name ?? '')));
  const nodes = qm.graph?.node ?? [];
  const dqOf = new Map<string, string>();  // float tensor → its DequantizeLinear(QuantizeLinear(·)) output
  for (const q of nodes.filter((n) => n.opType === 'QuantizeLinear')) {
    const t = (q.input ?? [])[0] ?? '';
    const dq = nodes.find((n) => n.opType === 'DequantizeLinear' && (n.input ?? [])[0] === (q.output ?? [])[0]);
    if (floatValues.has(t) && dq) dqOf.set(t, (dq.output ?? [])[0]!);
  }
  const withOutputs = (m: typeof fm, names: string[]) => {
    const copy = onnx.ModelProto.decode(onnx.ModelProto.encode(m).finish());
    const have = new Set((copy.graph!.output ?? []).map((o) => o.name));
    copy.graph!.output = [...(copy.graph!.output ?? []), ...names.filter((n) => !have.has(n)).map((name) => onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } } }))];
    return onnx.ModelProto.encode(copy).finish();
  };
  const inputs = new Set((fm.graph?.input ?? []).map((i) => i.name ?? ''));
  const floatSession = await InferenceSession.create(withOutputs(fm, [...dqOf.keys()].filter((t) => !inputs.has(t))));
  const quantizedSession = await InferenceSession.create(withOutputs(qm, [...dqOf.values()]));
  const layers: LayerReport[] = [];
  try {
    const sqnr = await tensorSqnr(floatSession, quantizedSession, dqOf, batches, (n) => inputs.has(n));
    for (const t of dqOf.keys()) {
      const values: number[] = [];
      for (const feeds of batches) {
        const v = inputs.has(t) ? feeds[t] : (await floatSession.run(feeds))[t];
        if (v && v.type === 'float32') for (const x of v.data as Float32Array) values.push(x);
      }
      if (values.length === 0) continue;
      let lo = Infinity, hi = -Infinity;
      for (const v of values) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      layers.push({ tensor: t, sqnrDb: sqnr.get(t) ?? Infinity, histogram: histogramOf(values, lo, hi), rangeMin: lo, rangeMax: hi });
    }
  } finally {
    await floatSession.release();
    await quantizedSession.release();
  }
  // Weights: DequantizeLinear of constants.
  const g = readModel(quantizedBytes).graph;
  const weights: WeightHistogram[] = [];
  for (const n of g.nodes.filter((x) => x.opType === 'DequantizeLinear' && g.initializers.has(x.inputs[0] ?? ''))) {
    const w = g.initializers.get(n.inputs[0]!)!;
    const s = g.initializers.get(n.inputs[1] ?? '');
    if (!s || (w.type !== 'int8' && w.type !== 'uint8') || w.dims.length < 2) continue;
    const data = w.data as Int8Array;
    const scales = s.data as Float32Array;
    const zp = g.initializers.get(n.inputs[2] ?? '')?.data as Int8Array | undefined;
    const axisAttr = n.attributes.get('axis');
    const axis = scales.length > 1 ? (axisAttr?.type === 'int' ? Number(axisAttr.value) : 1) : -1;
    const stride = axis >= 0 ? w.dims.slice(axis + 1).reduce((a, b) => a * b, 1) : data.length;
    const values = Array.from(data, (v, i) => {
      const c = axis >= 0 ? Math.floor(i / stride) % scales.length : 0;
      return (v - (zp ? zp[zp.length === 1 ? 0 : c]! : 0)) * scales[c]!;
    });
    let range = 1e-12;
    for (const v of values) range = Math.max(range, Math.abs(v));
    weights.push({ name: n.inputs[0]!, histogram: histogramOf(values, -range, range), range });
  }
  const q = await InferenceSession.create(quantizedBytes);
  const f = await InferenceSession.create(floatBytes);
  let latencyFloatMs: number | undefined, latencyQuantizedMs: number | undefined;
  let floatNodes: string[] = [];
  try {
    if (batches[0]) {
      latencyFloatMs = await medianLatency(f, batches[0], 10);
      latencyQuantizedMs = await medianLatency(q, batches[0], 10);
      const shapes = Object.fromEntries(Object.entries(batches[0]).map(([k, v]) => [k, v.dims]));
      floatNodes = q.describe(shapes).filter((d) => d.kernel === 'fallback' || d.kernel === 'float').map((d) => `${d.name} (${d.opType})`);
    }
  } finally {
    await q.release();
    await f.release();
  }
  return reportHtml({ title, method: 'from the file', layers, weights, floatNodes, bytesBefore: floatBytes.length, bytesAfter: quantizedBytes.length, latencyFloatMs, latencyQuantizedMs });
}
