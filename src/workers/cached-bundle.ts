import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Script, constants } from 'node:vm';

/**
 * Runs a CommonJS bundle (a worker thread's whole code, built into dist/) through V8's code
 * cache, the compiled start-up that Node 22 offers as `module.enableCompileCache()` and Node 20
 * does not: without it every worker parses its ~600 KB bundle and compiles to bytecode each
 * function the run calls, in every thread and on every run (30-60 ms per thread at start, and
 * more as the first events reach code never run before). The cache is written when the thread
 * exits, after its run, so it holds the bytecode of every function the run used; later runs read it
 * instead of compiling.
 *
 * The cache is named by the bundle's contents (V8's own check compares only the source's length),
 * the Node version and the architecture, and V8 refuses one built under other flags. Whatever goes
 * wrong with it (a directory not writable, a file half written by a process that died, a refusal)
 * costs only the compile the cache would have saved: the bundle then runs as compiled from source.
 */
export interface CachedRun {
  /** The cache file this run read or will write. */
  readonly cachePath: string;
  /** Whether V8 took the cache file (false: none was there, or V8 refused it). */
  readonly cacheUsed: boolean;
}

/** The cache directory beside the bundles, kept by the build (scripts/build.mjs) across rebuilds. */
export const CACHE_DIR = '.code-cache';

export function cacheFileName(bundleName: string, source: Buffer): string {
  const digest = createHash('sha256').update(source).digest('hex').slice(0, 20);
  return `${bundleName}-${digest}-${process.version}-${process.arch}.bin`;
}

function readCache(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

/** Writes the cache in one rename, and removes the bundle's caches of other contents or Node versions. */
function writeCache(path: string, data: Buffer, bundleName: string): void {
  try {
    const dir = dirname(path);
    mkdirSync(dir, { recursive: true });
    const temporary = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    writeFileSync(temporary, data);
    renameSync(temporary, path);
    const name = path.slice(dir.length + 1);
    for (const other of readdirSync(dir)) {
      if (other !== name && other.startsWith(`${bundleName}-`) && !other.endsWith('.tmp')) rmSync(join(dir, other), { force: true });
    }
  } catch {
    // a cache is an optimisation: a read-only install runs compiled from source every time
  }
}

/** Runs dist/<bundleName>.bundle.cjs in this thread (see the module comment). */
export function runCachedBundle(distDir: string, bundleName: string): CachedRun {
  const file = join(distDir, `${bundleName}.bundle.cjs`);
  const source = readFileSync(file);
  const cachePath = join(distDir, CACHE_DIR, cacheFileName(bundleName, source));
  const cachedData = readCache(cachePath);
  const script = new Script(`(function (exports, require, module, __filename, __dirname) { ${source.toString('utf8')}\n})`, {
    filename: file,
    cachedData,
    importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const cacheUsed = cachedData !== undefined && !script.cachedDataRejected;
  if (!cacheUsed) process.once('exit', () => writeCache(cachePath, script.createCachedData(), bundleName));
  const module = { exports: {} };
  const run = script.runInThisContext() as (exports: object, require: NodeJS.Require, module: object, filename: string, dirname: string) => void;
  run(module.exports, createRequire(file), module, file, distDir);
  return { cachePath, cacheUsed };
}
