// binding.gyp and CMakeLists.txt both build from native/sources.json. This keeps that list honest:
// every C++ source in native/ is listed exactly once, every listed file exists, and both build files
// still read the list rather than naming sources of their own.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');
const nativeDir = join(root, 'native');

function listCc(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return listCc(path);
    return name.endsWith('.cc') ? [relative(nativeDir, path)] : [];
  });
}

describe('native source list', () => {
  const sources = JSON.parse(readFileSync(join(nativeDir, 'sources.json'), 'utf8')) as Record<string, unknown>;
  const listed = Object.entries(sources)
    .filter(([key]) => key !== '//')
    .flatMap(([, files]) => files as string[]);

  it('lists every .cc file under native/ exactly once', () => {
    const onDisk = listCc(nativeDir).sort();
    expect([...listed].sort()).toEqual(onDisk);
    expect(new Set(listed).size).toBe(listed.length);
  });

  it('is the only source list of binding.gyp and CMakeLists.txt', () => {
    const gyp = readFileSync(join(root, 'binding.gyp'), 'utf8');
    const cmake = readFileSync(join(root, 'CMakeLists.txt'), 'utf8');
    expect(gyp).not.toMatch(/\.cc['"]/);
    expect(cmake).not.toMatch(/\.cc\b/);
    for (const group of ['core', 'avx2', 'avxvnni', 'avx512vnni', 'neon', 'neondot', 'addon']) {
      expect(gyp).toContain(`gyp-sources.cjs ${group}`);
      expect(cmake).toContain(`octet_sources(${group} `);
    }
  });
});
