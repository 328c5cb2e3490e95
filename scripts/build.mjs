#!/usr/bin/env node
// Compiles the CLI and the worker threads it starts into dist/: one CommonJS bundle per thread for
// Node 20, with every package in node_modules left external (native and optional packages resolve
// as before). Each bundle is run through V8's code cache (src/workers/cached-bundle.ts): Node 20
// caches no ES module's compiled code, so every thread of every run would parse its code and
// compile each function again. bin/streampulse.js runs dist/main.bundle.cjs; a worker starts from
// its stub, dist/<name>.cjs. Writes dist/build.json last: the inputs and the build's start time,
// which bin/streampulse.js compares against the sources' modification times to tell a stale bundle
// from a current one.
import { Buffer } from 'node:buffer';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = resolve(import.meta.dirname, '..');
export const DIST = join(ROOT, 'dist');
export const MANIFEST = join(DIST, 'build.json');

/**
 * The threads' entry points, each built to dist/<out>.bundle.cjs; a worker's also gets its stub,
 * dist/<out>.cjs. Lazily imported modules stay lazy in a bundle: esbuild evaluates one at its first
 * import, so `--help` still runs only the flag parser. A missing file is not built yet.
 */
const ENTRY_POINTS = [
  { in: 'src/cli/main.ts', out: 'main', worker: false },
  { in: 'src/workers/shard-worker.ts', out: 'shard-worker', worker: true },
  { in: 'src/workers/merger-worker.ts', out: 'merger-worker', worker: true },
];
/**
 * Small bundles the launcher (bin/streampulse.js) requires before the CLI's, compiled from source
 * at each start (a few lines each): the loader every bundle runs through, and the shards' threads
 * started ahead of the CLI's code.
 */
const LAUNCHER_BUNDLES = [
  { in: 'src/workers/cached-bundle.ts', out: 'cached-bundle' },
  { in: 'src/workers/shard-pool.ts', out: 'shard-pool' },
];
/** The code caches' directory in dist/ (CACHE_DIR in cached-bundle.ts): written by runs, kept by builds. */
const CACHE_DIR = '.code-cache';

/** A worker's stub: what `new Worker(dist/<name>.cjs)` runs. */
const workerStub = (name) =>
  `'use strict';\n// written by scripts/build.mjs: runs ${name}.bundle.cjs through V8's code cache (src/workers/cached-bundle.ts)\nrequire('./cached-bundle.cjs').runCachedBundle(__dirname, ${JSON.stringify(name)});\n`;

/**
 * Pure-JavaScript packages on the per-event path and at every start, compiled into the bundle:
 * rxjs's ESM build shakes down to the operators used, instead of Node loading its CommonJS build
 * (hundreds of files) in the main thread and again in every worker. prom-client, cli-progress and
 * commander load at every run before the first file is dealt: resolving them (a package.json read
 * per require, tdigest and bintrees under prom-client) cost the main thread 0.2-0.3 s while the
 * shards waited; pino (no transport is used, so none of its worker files is needed) took 10-15 ms
 * more, resolving a dozen files while the loading shard started. Every other package stays
 * external, so native and optional packages (kafkajs's, DuckDB) resolve as before.
 */
const BUNDLED = new Set(['rxjs', '@js-joda/core', 'lru-cache', 'prom-client', 'cli-progress', 'commander', 'pino']);

/** rxjs resolved to its ES2015 module build, whatever its exports map says for Node. */
const esmBuilds = {
  name: 'esm-builds',
  setup(build) {
    build.onResolve({ filter: /^rxjs$/ }, () => ({ path: join(ROOT, 'node_modules/rxjs/dist/esm/index.js') }));
  },
};

function externalPackages() {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const names = Object.keys({ ...manifest.dependencies, ...manifest.devDependencies, ...manifest.optionalDependencies });
  return names.filter((name) => !BUNDLED.has(name)).flatMap((name) => [name, `${name}/*`]);
}

/** Files read at run time next to the module that reads them, copied flat into dist/. */
const ASSETS = ['src/http/live-page.html', 'src/http/live-page.css', 'src/http/live-page.js'];

/** Replaces a file in one rename, so a process starting while the build runs never reads half of it. */
function writeAtomic(path, contents) {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, path);
}

function sameContents(path, contents) {
  return existsSync(path) && Buffer.compare(readFileSync(path), contents) === 0;
}

/**
 * Builds dist/ and returns what it did. Only files whose contents changed are rewritten and files
 * no longer produced are removed, so a rebuild of unchanged sources leaves running processes alone.
 */
export async function build() {
  const startedAt = Date.now();
  const { build: esbuild } = await import('esbuild');
  const entryPoints = ENTRY_POINTS.filter((entry) => existsSync(join(ROOT, entry.in)));
  const bundles = [...entryPoints.map((entry) => ({ in: entry.in, out: `${entry.out}.bundle` })), ...LAUNCHER_BUNDLES];
  const results = await Promise.all(
    bundles.map((entry) =>
      esbuild({
        absWorkingDir: ROOT,
        entryPoints: [entry],
        outdir: DIST,
        outExtension: { '.js': '.cjs' },
        bundle: true,
        format: 'cjs',
        platform: 'node',
        target: 'node20',
        external: externalPackages(),
        // ESM builds where a package has one: Node's resolution would pick rxjs's CommonJS build (its
        // exports list "node" first) and js-joda's UMD file, which bundle whole, unshaken, and are
        // evaluated at every start of every thread
        mainFields: ['module', 'main'],
        plugins: [esmBuilds],
        // the sources are ES modules: in one bundle in dist/, a module's own URL is the bundle's
        define: { 'import.meta.url': '__import_meta_url', 'import.meta.dirname': '__dirname' },
        banner: { js: "const __import_meta_url = require('node:url').pathToFileURL(__filename).href;" },
        sourcemap: true,
        metafile: true,
        write: false,
        logLevel: 'silent',
      }),
    ),
  );
  // an import.meta left over would be {} at run time (esbuild warns of each): no bundle ships with one
  const warnings = results.flatMap((r) => r.warnings);
  if (warnings.length > 0) throw { errors: warnings };
  const result = { outputFiles: results.flatMap((r) => r.outputFiles), metafile: { inputs: Object.assign({}, ...results.map((r) => r.metafile.inputs)) } };
  const produced = new Map(result.outputFiles.map((file) => [file.path, Buffer.from(file.contents)]));
  for (const asset of ASSETS) produced.set(join(DIST, asset.split('/').at(-1)), readFileSync(join(ROOT, asset)));
  for (const entry of entryPoints.filter((e) => e.worker)) produced.set(join(DIST, `${entry.out}.cjs`), Buffer.from(workerStub(entry.out)));
  let written = 0;
  for (const [path, contents] of produced) {
    if (sameContents(path, contents)) continue;
    writeAtomic(path, contents);
    written++;
  }
  const stale = existsSync(DIST) ? readdirSync(DIST).map((name) => join(DIST, name)).filter((path) => path !== MANIFEST && path !== join(DIST, CACHE_DIR) && !produced.has(path)) : [];
  for (const path of stale) rmSync(path, { recursive: true, force: true });
  // the project's own sources: packages compiled in (wherever node_modules resolves to) are not watched
  const inputs = [...Object.keys(result.metafile.inputs).filter((input) => !input.split('/').includes('node_modules')), ...ASSETS].sort();
  writeAtomic(MANIFEST, JSON.stringify({ builtAt: startedAt, inputs }, null, 2) + '\n');
  const bytes = [...produced.values()].reduce((sum, contents) => sum + contents.length, 0);
  return { entries: entryPoints.map((entry) => `${entry.out}.bundle.cjs`), files: produced.size, written, removed: stale.length, inputs: inputs.length, bytes, ms: Date.now() - startedAt };
}

/** esbuild's messages, one per line, as `file:line:column: text`. */
function describe(error) {
  if (!Array.isArray(error?.errors)) return String(error?.stack ?? error);
  return error.errors.map((m) => (m.location ? `${m.location.file}:${m.location.line}:${m.location.column}: ${m.text}` : m.text)).join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    const r = await build();
    const dist = relative(process.cwd(), DIST) || '.';
    console.log(`build: ${r.entries.join(', ')} in ${dist}/ (${r.files} files, ${(r.bytes / 1e6).toFixed(1)} MB, ${r.written} rewritten, ${r.removed} removed) from ${r.inputs} sources in ${r.ms} ms`);
  } catch (error) {
    process.stderr.write(`build failed:\n${describe(error)}\n`);
    process.exit(1);
  }
}
