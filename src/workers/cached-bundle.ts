import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Script, constants } from 'node:vm';
import { InternalError } from '../errors.ts';

/**
 * Runs a CommonJS bundle (a thread's whole code, built into dist/) through V8's code cache, the
 * compiled start-up that Node 22 offers as `module.enableCompileCache()` and Node 20 does not:
 * without it every thread parses its bundle (0.6-1.4 MB) and compiles to bytecode each function
 * the run calls, in every thread and on every run (30-60 ms a thread at start, and more as the
 * first events reach code never run before). The cache is written as the thread exits with code
 * 0, after its work, so it holds the bytecode of every function that work used; later runs read
 * it instead of compiling. A thread that failed, or stopped at a bad flag, writes none: it would
 * hold the bytecode of almost nothing, and stand in for a full one.
 *
 * The cache is named by its variant (what the thread runs: a CLI's command compiles other
 * functions than another's), the bundle's contents (V8's own check compares only the source's
 * length), the Node version and the architecture; V8 refuses one built under other flags. Whatever
 * goes wrong with it (a directory not writable, a refusal) costs only the compile it would have
 * saved: the bundle then runs as compiled from source.
 */
export interface CachedRun {
  /** What the bundle's code put in module.exports. */
  readonly exports: Record<string, unknown>;
  /** The cache file this run read or will write. */
  readonly cachePath: string;
  /** Whether V8 took the cache file (false: none was there, or V8 refused it). */
  readonly cacheUsed: boolean;
}

/** The cache directory beside the bundles, kept by the build (scripts/build.mjs) across rebuilds. */
export const CACHE_DIR = '.code-cache';
const DIGEST_LENGTH = 20;

export function cacheFileName(variant: string, source: Buffer): string {
  const digest = createHash('sha256').update(source).digest('hex').slice(0, DIGEST_LENGTH);
  return `${variant}-${digest}-${process.version}-${process.arch}.bin`;
}

function readCache(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

/** Writes the cache in one rename, and removes the variant's caches of other contents or Node versions. */
function writeCache(path: string, data: Buffer, variant: string): void {
  try {
    const dir = dirname(path);
    mkdirSync(dir, { recursive: true });
    const temporary = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    writeFileSync(temporary, data);
    renameSync(temporary, path);
    const name = path.slice(dir.length + 1);
    // the variant's own caches only: "shard-worker-<digest>-..." is not a cache of variant "shard"
    const same = new RegExp(`^${variant.replace(/[.-]/g, '\\$&')}-[0-9a-f]{${DIGEST_LENGTH}}-.*\\.bin$`);
    for (const other of readdirSync(dir)) {
      if (other !== name && same.test(other)) rmSync(join(dir, other), { force: true });
    }
  } catch {
    // a cache is an optimisation: a read-only install runs compiled from source every time
  }
}

/** Runs dist/<bundleName>.bundle.cjs in this thread, with the code cache of `variant` (see CachedRun). */
export function runCachedBundle(distDir: string, bundleName: string, variant: string = bundleName): CachedRun {
  if (!/^[\w.-]+$/.test(variant)) throw new InternalError(`a code cache variant is letters, digits and '_.-', not ${JSON.stringify(variant)}`);
  const file = join(distDir, `${bundleName}.bundle.cjs`);
  const source = readFileSync(file);
  const cachePath = join(distDir, CACHE_DIR, cacheFileName(variant, source));
  const cachedData = readCache(cachePath);
  const script = new Script(`(function (exports, require, module, __filename, __dirname) { ${source.toString('utf8')}\n})`, {
    filename: file,
    cachedData,
    importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const cacheUsed = cachedData !== undefined && !script.cachedDataRejected;
  if (!cacheUsed) process.once('exit', (code) => code === 0 && writeCache(cachePath, script.createCachedData(), variant));
  const module = { exports: {} };
  const run = script.runInThisContext() as (exports: object, require: NodeJS.Require, module: object, filename: string, dirname: string) => void;
  run(module.exports, createRequire(file), module, file, distDir);
  return { exports: module.exports, cachePath, cacheUsed };
}
