/**
 * OCTET_ISA forces the kernel path at load. Child processes load the raw addon and the compiled
 * package (dist/index.js, built here with tsc if missing or older than lib/) and print the ISA;
 * an unknown name or one the CPU lacks must fail the load with a message naming OCTET_ISA.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { binding } from '../../lib/binding.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const addon = join(root, 'build', 'Release', 'octet.node');
const dist = join(root, 'dist', 'index.js');
const available = binding.runtimeInfo().availableIsas;
// An ISA name this CPU cannot run: the other architecture's.
const foreign = process.arch === 'arm64' ? 'avx2' : 'neon';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function run(isa: string, script: string) {
  const env: NodeJS.ProcessEnv = { ...process.env, OCTET_ISA: isa };
  return spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, env, encoding: 'utf8', timeout: 30_000 });
}

const viaAddon = `import { createRequire } from 'node:module'; const b = createRequire(import.meta.url)(${JSON.stringify(addon)}); console.log(b.runtimeInfo().isa);`;
const viaPackage = `const { runtimeInfo } = await import(${JSON.stringify(new URL(`file://${dist}`).href)}); console.log(runtimeInfo().isa);`;

describe('OCTET_ISA', () => {
  beforeAll(() => {
    if (!existsSync(dist) || statSync(dist).mtimeMs < newestMtime(join(root, 'lib'))) {
      const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.json')], { cwd: root, encoding: 'utf8' });
      if (tsc.status !== 0) throw new Error(`tsc failed:\n${tsc.stdout}\n${tsc.stderr}`);
    }
  }, 120_000);

  it.each(available.map((isa) => [isa]))('forces %s (raw addon and compiled package)', (isa) => {
    for (const script of [viaAddon, viaPackage]) {
      const r = run(isa, script);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout.trim()).toBe(isa);
    }
  });

  it.each([['bogus'], [foreign]])('refuses OCTET_ISA=%s with a clear error', (isa) => {
    for (const script of [viaAddon, viaPackage]) {
      const r = run(isa, script);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/OCTET_ISA/);
      expect(r.stderr).toContain(isa);
    }
  });

  it('without OCTET_ISA picks the best available path', () => {
    const env = { ...process.env };
    delete env.OCTET_ISA;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', viaAddon], { cwd: root, env, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(available[available.length - 1]);
  });
});
