/**
 * Small helpers shared by the benchmark suites: CLI parsing, a seeded RNG, robust statistics over
 * benchmark.js samples, a promise wrapper around Benchmark#run, and table rendering (plain / Markdown).
 */
import Benchmark from 'benchmark';

/** Parses `--flag value`, `--flag=value` and boolean `--flag`. */
export function parseArgs(argv, booleans = []) {
  const out = { _: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      out._.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const key = (eq >= 0 ? arg.slice(2, eq) : arg.slice(2)).replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (eq >= 0) out[key] = arg.slice(eq + 1);
    else if (booleans.includes(key)) out[key] = true;
    else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) out[key] = argv[++i];
    else out[key] = true;
  }
  return out;
}

/** Mulberry32: deterministic, fast, good enough for benchmark inputs. */
export function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function median(values) {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function quantile(values, q) {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

/**
 * Runs one benchmark.js Benchmark to completion and resolves with its per-op statistics (seconds).
 * `fn` is called with no argument for synchronous benchmarks, or with benchmark.js's `deferred` when
 * `defer` is set (call `deferred.resolve()` when the async op is done).
 * No setup/teardown is passed, so benchmark.js does not decompile `fn`: closures work as written.
 */
export function runBenchmark(name, fn, { defer = false, minSamples = 20, maxTime = 1.5, initCount = 1 } = {}) {
  return new Promise((resolve, reject) => {
    const bench = new Benchmark(name, {
      fn,
      defer,
      async: defer,
      minSamples,
      maxTime,
      initCount,
      onError(event) {
        reject(event.target.error ?? new Error(`${name}: benchmark error`));
      },
      onComplete() {
        if (bench.error) return reject(bench.error);
        const sample = bench.stats.sample;
        resolve({
          median: median(sample),
          p25: quantile(sample, 0.25),
          p75: quantile(sample, 0.75),
          min: Math.min(...sample),
          mean: bench.stats.mean,
          rme: bench.stats.rme,
          samples: sample.length,
          // benchmark.js `count` = ops per sample in the final cycle
          opsPerSample: bench.count,
        });
      },
    });
    bench.run({ async: defer });
  });
}

/**
 * Calls `f` (untimed) until `ms` have passed. onnxruntime's idle pool threads spin for tens of
 * milliseconds after its last run (measured: MobileNetV2 int8 at batch 8 on 2 threads, octet's first
 * 2-4 runs after a block of onnxruntime runs took 13-18 ms against 7.4 steady), so on a 2-core
 * machine whichever side is timed right after the other shares a core with the other's spinners.
 * Settling first times each side on its own.
 */
export async function settle(f, ms) {
  const start = performance.now();
  do await f();
  while (performance.now() - start < ms);
}

/**
 * Times `a` and `b` (each `() => Promise`) in alternating benchmark.js runs, `rounds` of each (the
 * machine's speed drifts over seconds; alternating exposes both to the same drift). Before each timed
 * run the function runs untimed for `settleMs` (see settle()). Returns the median time of each over
 * all rounds and the median over rounds of b-time ÷ a-time (> 1: a is faster).
 */
export async function interleaved(label, a, b, { rounds, timing, settleMs = 100 }) {
  const ta = [], tb = [], ratios = [];
  for (let r = 0; r < rounds; r++) {
    await settle(a, settleMs);
    const ra = await runBenchmark(`${label} a`, (d) => a().then(() => d.resolve()), { defer: true, ...timing });
    await settle(b, settleMs);
    const rb = await runBenchmark(`${label} b`, (d) => b().then(() => d.resolve()), { defer: true, ...timing });
    ta.push(ra.median);
    tb.push(rb.median);
    ratios.push(rb.median / ra.median);
  }
  return { a: median(ta), b: median(tb), ratio: median(ratios) };
}

export function fmtNum(v, digits = 1) {
  if (v === undefined || v === null || Number.isNaN(v)) return '—';
  return v.toFixed(digits);
}

export function fmtTime(seconds) {
  if (seconds === undefined || Number.isNaN(seconds)) return '—';
  if (seconds < 1e-3) return `${(seconds * 1e6).toFixed(1)} µs`;
  if (seconds < 1) return `${(seconds * 1e3).toFixed(2)} ms`;
  return `${seconds.toFixed(3)} s`;
}

/** Renders rows (arrays of strings) with a header, as an aligned plain-text table or a Markdown table. */
export function renderTable(header, rows, { markdown = false, align = [] } = {}) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const pad = (s, i) => (align[i] === 'left' ? String(s).padEnd(widths[i]) : String(s).padStart(widths[i]));
  if (markdown) {
    const line = (cells) => `| ${cells.map((c, i) => pad(c, i)).join(' | ')} |`;
    const sep = `|${widths.map((w, i) => (align[i] === 'left' ? ':' + '-'.repeat(w + 1) : '-'.repeat(w + 1) + ':')).join('|')}|`;
    return [line(header), sep, ...rows.map(line)].join('\n');
  }
  const line = (cells) => cells.map((c, i) => pad(c, i)).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
