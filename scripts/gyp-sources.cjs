// Prints one group of native/sources.json as paths relative to the package root, one per line, for
// binding.gyp's <!@(...) expansion.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const group = process.argv[2];
const sources = JSON.parse(readFileSync(join(__dirname, '..', 'native', 'sources.json'), 'utf8'));
if (!Array.isArray(sources[group])) {
  console.error(`gyp-sources: unknown group "${group}"`);
  process.exit(1);
}
console.log(sources[group].map((file) => `native/${file}`).join('\n'));
