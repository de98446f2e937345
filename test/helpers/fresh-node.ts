/**
 * Runs a script in a fresh Node process, away from vitest's heap: garbage-collection and allocation
 * tests need a heap that holds only what they put there, and V8 flags (a fixed young generation,
 * gc()) that only a new process can take. `files` (model bytes) are written to a temporary directory
 * first and the script text is made from their paths. The script starts with InferenceSession and
 * Tensor imported from the built library (dist/), prints one JSON value as its last line, and must
 * write nothing to stderr. A child still running after 100 s (inside the tests' 120 s) is killed,
 * which fails the test.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';

const DIST_INDEX = join(import.meta.dirname, '..', '..', 'dist', 'index.js');

export function runInFreshNode<T>(options: {
  flags?: readonly string[];
  files?: Record<string, Uint8Array>;
  script: (paths: Record<string, string>) => string;
}): T {
  const dir = mkdtempSync(join(tmpdir(), 'octet-child-'));
  try {
    const paths: Record<string, string> = {};
    for (const [name, bytes] of Object.entries(options.files ?? {})) {
      paths[name] = join(dir, name);
      writeFileSync(paths[name], bytes);
    }
    const script = `const { InferenceSession, Tensor } = await import(${JSON.stringify(DIST_INDEX)});\n${options.script(paths)}`;
    const child = spawnSync(process.execPath, [...(options.flags ?? []), '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 100_000 });
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    return JSON.parse(child.stdout.trim().split('\n').pop()!) as T;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
