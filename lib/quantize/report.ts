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
