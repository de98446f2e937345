// Cross-builds the native unit tests for AArch64 and runs them under qemu-user, twice:
//   -cpu max        NEON and NEON dot product: the tests run every supported path (scalar, neon, neondot)
//   -cpu cortex-a72 ARMv8.0, no dot product: detection must fall back to plain NEON, which must pass
// Needs cmake, aarch64-linux-gnu-g++ and qemu-aarch64 (Debian: apt-get install g++-aarch64-linux-gnu
// qemu-user). OCTET_SKIP_NEON=1 skips everything and exits 0. An optional argument is passed to the test
// binary as its name filter: `node scripts/neon-tests.js qgemm_tile_edges`.
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const buildDir = join('build', 'aarch64');
const sysroot = '/usr/aarch64-linux-gnu';
const cpus = ['max', 'cortex-a72'];
const filter = process.argv[2];

if (process.env.OCTET_SKIP_NEON === '1') {
  console.log('neon-tests: OCTET_SKIP_NEON=1: the AArch64 NEON tests were skipped.');
  process.exit(0);
}

function available(command) {
  const r = spawnSync(command, ['--version'], { stdio: 'ignore' });
  return !r.error && r.status === 0;
}

const missing = ['cmake', 'aarch64-linux-gnu-g++', 'qemu-aarch64'].filter((c) => !available(c));
if (missing.length > 0) {
  console.error(`neon-tests: not found on PATH: ${missing.join(', ')}.`);
  console.error('  Install the cross compiler and the user-mode emulator (Debian/Ubuntu):');
  console.error('    sudo apt-get install g++-aarch64-linux-gnu qemu-user');
  if (missing.includes('cmake')) console.error('    sudo apt-get install cmake');
  console.error('  or set OCTET_SKIP_NEON=1 to skip the AArch64 tests.');
  process.exit(1);
}

function seconds(since) {
  return ((performance.now() - since) / 1000).toFixed(1);
}

// Runs a build step with inherited stdio; exits on failure.
function step(command, args) {
  console.log(`> ${command} ${args.join(' ')}`);
  const r = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (r.error) {
    console.error(`neon-tests: could not run ${command}: ${r.error.message}`);
    process.exit(1);
  }
  if (r.status !== 0) {
    console.error(`neon-tests: ${command} failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status || 1);
  }
}

// Runs the test binary under qemu, streaming its output; resolves to { code, summary }.
function runTests(cpu) {
  const args = ['-L', sysroot, '-cpu', cpu, join(buildDir, 'octet_native_tests')];
  if (filter) args.push(filter);
  console.log(`\n> qemu-aarch64 ${args.join(' ')}`);
  return new Promise((resolve) => {
    const child = spawn('qemu-aarch64', args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let tail = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      tail = (tail + chunk.toString()).slice(-4096);
    });
    child.on('error', (e) => resolve({ code: 1, summary: `could not run qemu-aarch64: ${e.message}` }));
    child.on('close', (code, signal) => {
      const lines = tail.trim().split('\n');
      const last = lines[lines.length - 1] ?? '';
      const summary = /^\d+ passed, \d+ failed$/.test(last) ? last : `no summary line (exit ${code ?? signal})`;
      resolve({ code: code ?? 1, summary });
    });
  });
}

const start = performance.now();
step('cmake', ['-S', '.', '-B', buildDir, `-DCMAKE_TOOLCHAIN_FILE=${join('cmake', 'aarch64-linux-gnu.cmake')}`, '-DCMAKE_BUILD_TYPE=Release']);
step('cmake', ['--build', buildDir, '--target', 'octet_native_tests', '-j', '2']);
console.log(`neon-tests: build done in ${seconds(start)} s`);

const results = [];
for (const cpu of cpus) {
  const t0 = performance.now();
  const { code, summary } = await runTests(cpu);
  results.push({ cpu, code, summary, time: seconds(t0) });
}

console.log('\nneon-tests summary:');
for (const r of results) console.log(`  -cpu ${r.cpu.padEnd(10)} ${r.code === 0 ? 'ok  ' : 'FAIL'}  ${r.summary}  (${r.time} s)`);
console.log(`  total ${seconds(start)} s`);
process.exit(results.every((r) => r.code === 0) ? 0 : 1);
