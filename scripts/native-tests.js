// Builds the native unit tests for this machine with CMake and runs them with ctest. The kernels are
// plain C++17 and are tested here without Node: every ISA path the CPU runs against the scalar oracle.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const buildDir = join(root, 'build', 'cmake');

function run(command, args) {
  console.log(`> ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.error) {
    console.error(`native-tests: could not run ${command}: ${result.error.message}`);
    process.exit(1);
  }
  if (result.status !== 0) process.exit(result.status ?? 1);
}

run('cmake', ['-S', '.', '-B', buildDir, '-DCMAKE_BUILD_TYPE=Release']);
run('cmake', ['--build', buildDir, '--target', 'octet_native_tests', '-j', '2']);
run('ctest', ['--test-dir', buildDir, '--output-on-failure']);
