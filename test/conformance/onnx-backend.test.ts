// The ONNX backend conformance suite from Debian's libonnx-testdata, run through InferenceSession:
// data/node (one operator each), data/simple, data/pytorch-converted and data/pytorch-operator. A test
// whose model uses an operator the runtime does not support is counted as "unsupported"; every other
// test must pass with ONNX's tolerances (rtol 1e-3, atol 1e-7; exact for integers and bools) unless it
// is listed, with its reason, in onnx-backend-skips.json. The totals are printed at the end.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InferenceSession, Tensor } from '../../lib/index.js';
import { checkSupported, graphFromModel } from '../../lib/graph/index.js';
import { readModel, readTensor } from '../../lib/onnx/index.js';
import type { InitializerTensor } from '../../lib/onnx/model.js';

const ROOT = '/usr/share/libonnx-testdata/data';
const SUITES = ['node', 'simple', 'pytorch-converted', 'pytorch-operator'];
const RTOL = 1e-3;
const ATOL = 1e-7;

const skips = JSON.parse(readFileSync(new URL('./onnx-backend-skips.json', import.meta.url), 'utf8')) as Record<string, string>;

interface Case {
  suite: string;
  name: string;
  dir: string;
  unsupported?: string;
}

function listCases(): Case[] {
  const cases: Case[] = [];
  for (const suite of SUITES) {
    const base = join(ROOT, suite);
    if (!existsSync(base)) continue;
    for (const name of readdirSync(base).sort()) {
      const dir = join(base, name);
      if (!existsSync(join(dir, 'model.onnx'))) continue;
      const c: Case = { suite, name, dir };
      try {
        checkSupported(graphFromModel(readModel(join(dir, 'model.onnx'))));
      } catch (e) {
        c.unsupported = (e as Error).message;
      }
      cases.push(c);
    }
  }
  return cases;
}

function toTensor(t: InitializerTensor): Tensor {
  if (t.type === 'string') throw new Error('string tensors are not supported');
  return new Tensor(t.type as never, t.data as never, t.dims);
}

function dataSets(dir: string): { inputs: InitializerTensor[]; outputs: InitializerTensor[] }[] {
  return readdirSync(dir)
    .filter((d) => d.startsWith('test_data_set_'))
    .sort()
    .map((d) => {
      const files = readdirSync(join(dir, d));
      const read = (prefix: string) =>
        files
          .filter((f) => f.startsWith(prefix) && f.endsWith('.pb'))
          .sort((a, b) => Number(a.slice(prefix.length, -3)) - Number(b.slice(prefix.length, -3)))
          .map((f) => readTensor(readFileSync(join(dir, d, f))));
      return { inputs: read('input_'), outputs: read('output_') };
    });
}

/** First mismatch between a result and the expected tensor, or null. */
function mismatch(got: Tensor, want: InitializerTensor): string | null {
  if (got.dims.join(',') !== want.dims.join(',')) return `dims [${got.dims}] != expected [${want.dims}]`;
  const a = got.data as ArrayLike<number | bigint>;
  const b = want.data as ArrayLike<number | bigint>;
  const float = want.type === 'float32' || want.type === 'float64' || want.type === 'float16';
  for (let i = 0; i < b.length; i++) {
    let x = a[i]!;
    let y = b[i]!;
    if (want.type === 'float16') {
      x = halfToFloat(Number(x));
      y = halfToFloat(Number(y));
    }
    if (float) {
      const xf = Number(x);
      const yf = Number(y);
      if (Number.isNaN(yf) ? !Number.isNaN(xf) : !(Math.abs(xf - yf) <= ATOL + RTOL * Math.abs(yf)) && xf !== yf) {
        return `element ${i}: ${xf} != expected ${yf}`;
      }
    } else if (x !== y) {
      return `element ${i}: ${x} != expected ${y}`;
    }
  }
  return null;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

const available = existsSync(ROOT);
const cases = available ? listCases() : [];
const totals = { passed: 0, failed: 0, skipped: 0, unsupported: 0 };

afterAll(() => {
  if (!available) return;
  console.log(
    `ONNX backend conformance (${SUITES.join(', ')}): ${cases.length} tests — ${totals.passed} passed, ${totals.failed} failed, ` +
      `${totals.skipped} skipped (listed in onnx-backend-skips.json), ${totals.unsupported} use unsupported operators`,
  );
});

describe.skipIf(!available)('ONNX backend conformance', () => {
  for (const c of cases) {
    const id = c.name;
    if (c.unsupported !== undefined) {
      it.skip(`${c.suite}/${id} (unsupported: ${c.unsupported.slice(0, 120)})`, () => undefined);
      totals.unsupported++;
      continue;
    }
    if (skips[id] !== undefined) {
      it.skip(`${c.suite}/${id} (skipped: ${skips[id]})`, () => undefined);
      totals.skipped++;
      continue;
    }
    it(`${c.suite}/${id}`, async () => {
      try {
        const session = await InferenceSession.create(join(c.dir, 'model.onnx'), { intraOpNumThreads: 2 });
        try {
          for (const set of dataSets(c.dir)) {
            const feeds: Record<string, Tensor> = {};
            session.inputNames.forEach((name, i) => {
              feeds[name] = toTensor(set.inputs[i]!);
            });
            const result = await session.run(feeds);
            session.outputNames.forEach((name, i) => {
              const want = set.outputs[i];
              if (!want) return;
              const got = result[name]!;
              expect(got.type, `output '${name}' type`).toBe(want.type);
              expect(mismatch(got, want), `output '${name}'`).toBeNull();
            });
          }
        } finally {
          await session.release();
        }
        totals.passed++;
      } catch (e) {
        totals.failed++;
        throw e;
      }
    });
  }
});
