// The `octet` command: quantize from a folder of .npy / .pb calibration tensors (and --dynamic), run
// and bench; bad use exits 1 with a message. Runs the compiled CLI (dist/cli/main.js) as users do.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { onnxProto } from '../../lib/onnx/index.js';
import { Rng } from '../helpers/random.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const MODEL = join(ROOT, 'examples', 'fashion-mnist', 'fashion_cnn.onnx');
const tmp = mkdtempSync(join(tmpdir(), 'octet-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A C-order float32 .npy file. */
function npy(data: Float32Array, dims: number[]): Uint8Array {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims.join(', ')}${dims.length === 1 ? ',' : ''}), }`;
  while ((10 + header.length + 1) % 64 !== 0) header += ' ';
  header += '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, ...new TextEncoder().encode('NUMPY'), 1, 0, header.length & 0xff, header.length >> 8]);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(data.buffer), 10 + header.length);
  return out;
}

const octet = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });

describe.skipIf(!existsSync(CLI))('octet command', () => {
  const rng = new Rng(8);
  const image = () => Float32Array.from({ length: 16 * 784 }, () => rng.next() * 3 - 0.8);
  const calib = join(tmp, 'calib');
  mkdirSync(calib, { recursive: true });
  for (let b = 0; b < 3; b++) writeFileSync(join(calib, `batch_${b}.npy`), npy(image(), [16, 1, 28, 28]));
  // One batch as an ONNX TensorProto, as the ONNX test data stores inputs.
  const pb = onnxProto.TensorProto.encode({ name: 'input', dataType: 1, dims: [16, 1, 28, 28], rawData: new Uint8Array(image().buffer) }).finish();
  writeFileSync(join(calib, 'batch_3.pb'), pb);
  const input = join(tmp, 'x.npy');
  writeFileSync(input, npy(image(), [16, 1, 28, 28]));

  it('quantizes with a calibration folder; the file loads in onnxruntime', async () => {
    const out = join(tmp, 'q.onnx');
    const html = join(tmp, 'report.html');
    const r = octet('quantize', MODEL, '-o', out, '--calib', calib, '--method', 'mse', '--report', html);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(html, 'utf8')).toMatch(/<h2>Activations: SQNR/);
    expect(r.stdout).toMatch(/nodes quantized \(mse\).*KiB → \d+ KiB/);
    expect(r.stderr).toMatch(/calibrating: /);  // not a terminal: plain progress lines
    const s = await ort.InferenceSession.create(out);
    expect(s.outputNames).toEqual(['logits']);
    await s.release();
  });

  it('reports on a quantized model against its float original', () => {
    const page = join(tmp, 'compare.html');
    const r = octet('report', MODEL, join(tmp, 'q.onnx'), '--calib', calib, '-o', page, '--batches', '2');
    expect(r.status, r.stderr).toBe(0);
    const html = readFileSync(page, 'utf8');
    // One SQNR row per quantized activation of the model written above (input, four ReLUs, pool, flatten).
    expect(html.match(/<tr><td>[^<]+<\/td><td>[0-9.]+<\/td><td>/g)!.length).toBeGreaterThanOrEqual(5);
    expect(html).toMatch(/Latency \(median/);
  });

  it('quantizes dynamically, runs and benches', () => {
    const dyn = join(tmp, 'd.onnx');
    expect(octet('quantize', MODEL, '-o', dyn, '--dynamic').status).toBe(0);
    const run = octet('run', dyn, '--input', input);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^logits: float32 \[16, 10\] /m);
    const bench = octet('bench', join(tmp, 'q.onnx'), '--vs', MODEL, '--input', input, '--runs', '5', '--threads', '1');
    expect(bench.status, bench.stderr).toBe(0);
    expect(bench.stdout.match(/median [0-9.]+ ms/g)).toHaveLength(2);
  });

  it('quantizes weights only (4-bit MatMulNBits, int8 convolutions) and runs the result', () => {
    const w = join(tmp, 'w.onnx');
    const q = octet('quantize', MODEL, '-o', w, '--weights-only', '--bits', '4', '--block-size', '16');
    expect(q.status, q.stderr).toBe(0);
    expect(q.stdout).toMatch(/nodes quantized \(weight-only\)/);
    const run = octet('run', w, '--input', input);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^logits: float32 \[16, 10\] /m);
    const bad = octet('quantize', MODEL, '-o', join(tmp, 'x.onnx'), '--weights-only', '--bits', '5');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/bits must be 4, 8 or 16/);
  });

  it('bad use exits 1 with a message', () => {
    const noCalib = octet('quantize', MODEL, '-o', join(tmp, 'x.onnx'));
    expect(noCalib.status).toBe(1);
    expect(noCalib.stderr).toMatch(/--calib <folder> is required/);
    const badMethod = octet('quantize', MODEL, '-o', join(tmp, 'x.onnx'), '--calib', calib, '--method', 'kl');
    expect(badMethod.status).toBe(1);
    expect(badMethod.stderr).toMatch(/method must be/);
    const badThreads = octet('bench', MODEL, '--threads', '0');
    expect(badThreads.status).not.toBe(0);
    expect(badThreads.stderr).toMatch(/--threads must be an integer >= 1/);
  });
});
