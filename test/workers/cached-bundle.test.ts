import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CACHE_DIR, cacheFileName } from '../../src/workers/cached-bundle.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';

const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm')).href;
const LOADER = pathToFileURL(join(import.meta.dirname, '../../src/workers/cached-bundle.ts')).href;

/** A bundle that prints its answer; `answer` of the same length changes the code, not the source's length. */
const bundle = (answer: string): string => `'use strict';\nfunction answer() { return ${JSON.stringify(answer)}; }\nconsole.log(JSON.stringify({ answer: answer(), dirname: __dirname, required: typeof require('node:path').join }));\n`;

interface Ran {
  answer: string;
  dirname: string;
  required: string;
  cacheUsed: boolean;
}

/** runCachedBundle(dir, 'demo') in a process of its own, ending with `exitCode`: the cache is written as it exits. */
function runDemo(dir: string, exitCode = 0): Ran {
  const code = `import { runCachedBundle } from ${JSON.stringify(LOADER)};\nconst run = runCachedBundle(${JSON.stringify(dir)}, 'demo');\nconsole.log(JSON.stringify({ cacheUsed: run.cacheUsed }));\nprocess.exitCode = ${exitCode};\n`;
  const ran = spawnSync(process.execPath, ['--import', TSX, '--input-type=module', '-e', code], { encoding: 'utf8', timeout: 30_000 });
  expect(ran.status, ran.stderr).toBe(exitCode);
  const [printed, run] = ran.stdout.trim().split('\n').map((line) => JSON.parse(line) as Partial<Ran>);
  return { ...printed, ...run } as Ran;
}

const caches = (dir: string): string[] => (existsSync(join(dir, CACHE_DIR)) ? readdirSync(join(dir, CACHE_DIR)).sort() : []);

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir('streampulse-cached-bundle-');
});
afterEach(async () => {
  await removeTempDir(dir);
});

describe('runCachedBundle', () => {
  it('runs the bundle as CommonJS, writes its code cache at exit and reads it on the next run', () => {
    writeFileSync(join(dir, 'demo.bundle.cjs'), bundle('first'));
    const cold = runDemo(dir);
    expect(cold).toEqual({ answer: 'first', dirname: dir, required: 'function', cacheUsed: false });
    const name = cacheFileName('demo', readFileSync(join(dir, 'demo.bundle.cjs')));
    expect(caches(dir)).toEqual([name]);
    expect(runDemo(dir)).toEqual({ ...cold, cacheUsed: true });
  });

  it('names the cache by the contents: a change of the same length runs the new code and replaces the old cache', () => {
    writeFileSync(join(dir, 'demo.bundle.cjs'), bundle('first'));
    runDemo(dir);
    expect(runDemo(dir).cacheUsed).toBe(true);
    // V8 checks a cache against the source's length only: keyed by length, this would run 'first'
    writeFileSync(join(dir, 'demo.bundle.cjs'), bundle('other'));
    expect(runDemo(dir)).toMatchObject({ answer: 'other', cacheUsed: false });
    expect(caches(dir)).toEqual([cacheFileName('demo', readFileSync(join(dir, 'demo.bundle.cjs')))]);
    expect(runDemo(dir)).toMatchObject({ answer: 'other', cacheUsed: true });
  });

  it('runs from source when the cache file is not one V8 made, and writes a good one', () => {
    writeFileSync(join(dir, 'demo.bundle.cjs'), bundle('first'));
    runDemo(dir);
    const [name] = caches(dir);
    writeFileSync(join(dir, CACHE_DIR, name), 'not a code cache');
    expect(runDemo(dir)).toMatchObject({ answer: 'first', cacheUsed: false });
    expect(runDemo(dir)).toMatchObject({ answer: 'first', cacheUsed: true });
  });

  it('writes no cache from a process that exits with a failure: it would stand in for a full one', () => {
    writeFileSync(join(dir, 'demo.bundle.cjs'), bundle('first'));
    expect(runDemo(dir, 2)).toMatchObject({ answer: 'first', cacheUsed: false });
    expect(caches(dir)).toEqual([]);
    expect(runDemo(dir, 0).cacheUsed).toBe(false);
    expect(caches(dir)).toHaveLength(1);
  });
});
