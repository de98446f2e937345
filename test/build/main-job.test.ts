// `npm start` (scripts/main.js) on the bundled default: it must run to the end and report an int8 model
// within half a point of float on the bundled test images, smaller on disk.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';

it('the main job quantizes the bundled classifier and reports float and int8', () => {
  const script = join(import.meta.dirname, '..', '..', 'scripts', 'main.js');
  const r = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 120_000 });
  expect(r.status, r.stderr).toBe(0);
  const line = (name: string) => new RegExp(`^${name}\\s+([0-9.]+)%\\s+([0-9]+) KiB`, 'm').exec(r.stdout);
  const float = line('float32'), int8 = line('int8');
  expect(float && int8, r.stdout).toBeTruthy();
  expect(Math.abs(Number(float![1]) - Number(int8![1]))).toBeLessThanOrEqual(0.5);
  expect(Number(int8![2])).toBeLessThan(Number(float![2]) / 3);
  expect(r.stdout).toMatch(/int8 vs float: /);
}, 150_000);
