#!/usr/bin/env node
// Runs the compiled CLI in dist/ (built by `npm run build`, and by `npm ci` through `prepare`), so a
// run does not pay for compiling TypeScript at start. When dist/ is missing (installed with
// --ignore-scripts, or never built) or older than a source it was built from (a development
// checkout edited since its last build), it runs the sources through tsx instead and says so in one
// line on stderr: a stale bundle run silently would be code the developer no longer has, and
// rebuilding here would rewrite dist/ under other processes starting from it. The check stats the
// inputs dist/build.json lists (about 140 files, a millisecond).
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Why dist/ cannot be run, or null when it is current. */
function whyNotCompiled() {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(`${root}dist/build.json`, 'utf8'));
    statSync(`${root}dist/main.bundle.cjs`);
  } catch {
    return 'dist/ is not built';
  }
  for (const input of manifest.inputs) {
    let modified;
    try {
      modified = statSync(root + input).mtimeMs;
    } catch {
      return `${input} is gone since dist/ was built`;
    }
    if (modified > manifest.builtAt) return `${input} changed since dist/ was built`;
  }
  return null;
}

const reason = whyNotCompiled();
let main;
if (reason === null) {
  // source maps stay off: Node would read and parse every bundle's map at start (tens of ms on
  // every run); NODE_OPTIONS=--enable-source-maps maps an internal error's stack to src/ lines.
  // Each command keeps its own code cache: a run compiles other functions than --help does.
  const command = /^[a-z]+$/.test(process.argv[2] ?? '') ? process.argv[2] : 'flags';
  const require = createRequire(import.meta.url);
  // a run's shard threads start while the CLI's code loads (they wait for their init: see shard-pool.ts)
  if (command === 'run') require('../dist/shard-pool.cjs').startAhead(process.argv.slice(2), process.env);
  const { runCachedBundle } = require('../dist/cached-bundle.cjs');
  ({ main } = runCachedBundle(`${root}dist`, 'main', `main.${command}`).exports);
} else {
  process.stderr.write(`streampulse: ${reason}; running the sources through tsx (npm run build compiles them)\n`);
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
process.exit(await main(process.argv.slice(2)));
