import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';

const ROOT = join(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/streampulse.js');
const FALLBACK_NOTE = 'running the sources through tsx';

// Preloaded into the spawned CLI: at exit it names the CommonJS packages the process loaded.
// tsx compiles through esbuild (CommonJS), the bundle loads no compiler. commander, prom-client
// and rxjs are compiled into the bundle; pino stays a package, so a run that names it shows the
// probe sees what was loaded.
const PROBE = `import { createRequire } from 'node:module';
const cache = createRequire(import.meta.url).cache;
process.on('exit', () => {
  const inPackages = Object.keys(cache).filter((k) => k.includes('/node_modules/')).map((k) => k.split('/node_modules/').at(-1).split('/'));
  const names = new Set(inPackages.map((parts) => parts.slice(0, parts[0].startsWith('@') ? 2 : 1).join('/')));
  process.stderr.write('PACKAGES ' + JSON.stringify([...names].sort()) + '\\n');
});
`;

// Preloaded into the spawned CLI: at exit it names each worker thread the main thread started, in
// order, by what it was started with (a shard's number, or the string a thread started ahead gets).
// Threads inherit the preload: only the main thread's report counts.
const THREADS_PROBE = `import { createRequire } from 'node:module';
const threads = createRequire(import.meta.url)('node:worker_threads');
const started = [];
if (threads.isMainThread) {
const Original = threads.Worker;
threads.Worker = class extends Original {
  constructor(url, options) {
    super(url, options);
    const data = options?.workerData;
    started.push(typeof data === 'string' ? data : typeof data?.shard === 'number' ? 'shard ' + data.shard : 'other');
  }
};
process.on('exit', () => process.stderr.write('THREADS ' + JSON.stringify(started) + '\\n'));
}
`;

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string[];
  packages: string[];
}

let dir: string;
let probe: string;
let threadsProbe: string;
beforeAll(async () => {
  dir = await makeTempDir('streampulse-compiled-');
  probe = join(dir, 'probe.mjs');
  writeFileSync(probe, PROBE);
  threadsProbe = join(dir, 'threads-probe.mjs');
  writeFileSync(threadsProbe, THREADS_PROBE);
});
afterAll(async () => {
  await removeTempDir(dir);
});

/** The CLI at `bin` run from `cwd` (not the repository), with the probe preloaded. */
function runBin(bin: string, args: readonly string[], cwd: string): Promise<Ran> {
  const child = spawn(process.execPath, ['--import', probe, bin, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) =>
    child.once('close', (code) => {
      const lines = stderr.split('\n').filter((l) => l !== '');
      const probed = lines.find((l) => l.startsWith('PACKAGES '));
      resolve({ code, stdout, stderr: lines.filter((l) => l !== probed), packages: probed === undefined ? [] : (JSON.parse(probed.slice('PACKAGES '.length)) as string[]) });
    }),
  );
}

/**
 * A package root of its own (its bin, the sources and node_modules linked) whose dist/ is missing,
 * or is a copy of the real one built before every source: the two cases the bin must not run dist/.
 */
function packageRoot(name: string, dist: 'missing' | 'stale'): string {
  const root = join(dir, name);
  mkdirSync(join(root, 'bin'), { recursive: true });
  cpSync(BIN, join(root, 'bin/streampulse.js'));
  cpSync(join(ROOT, 'package.json'), join(root, 'package.json'));
  const { inputs } = JSON.parse(readFileSync(join(ROOT, 'dist/build.json'), 'utf8')) as { inputs: string[] };
  const folders = new Set(inputs.map((input) => input.split('/')[0]));
  for (const linked of [...folders, 'node_modules']) symlinkSync(join(ROOT, linked), join(root, linked));
  if (dist === 'stale') {
    cpSync(join(ROOT, 'dist'), join(root, 'dist'), { recursive: true });
    const manifest = JSON.parse(readFileSync(join(root, 'dist/build.json'), 'utf8')) as { builtAt: number };
    writeFileSync(join(root, 'dist/build.json'), JSON.stringify({ ...manifest, builtAt: 0 }));
  }
  return root;
}

describe('the installed CLI', () => {
  it('runs the compiled bundle, not tsx, and --help loads neither the pipeline nor Kafka nor the logger', async () => {
    const ran = await runBin(BIN, ['--help'], dir);
    expect(ran.code, ran.stderr.join('\n')).toBe(0);
    expect(ran.stdout).toContain('Usage: streampulse');
    expect(ran.stdout).toContain('produce');
    expect(ran.stderr).toEqual([]);
    // the flag parser is in the bundle: --help loads no package at all
    expect(ran.packages).toEqual([]);
  });

  it('answers a bad flag from the bundle with exit 2 and one line', async () => {
    const ran = await runBin(BIN, ['run', '--port', 'eighty'], dir);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toHaveLength(1);
    expect(ran.stderr[0]).toContain('--port must be a whole number');
    expect(ran.packages).not.toContain('esbuild');
  });

  it('serves the live page from the bundle, the same files as the sources', async () => {
    const child = spawn(process.execPath, ['--import', probe, BIN, 'run', '--generate', '2000', '--users', '200', '--artists', '20', '--data-dir', dir, '--port', '0', '--no-progress', '--no-dead-letters'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    try {
      const deadline = Date.now() + 30_000;
      let url: string | undefined;
      while (url === undefined && child.exitCode === null && Date.now() < deadline) {
        url = /serving live reports on (http:\/\/127\.0\.0\.1:\d+)\/reports/.exec(stderr)?.[1];
        if (url === undefined) await new Promise((r) => setTimeout(r, 50));
      }
      expect(url, stderr).toBeDefined();
      for (const [path, file] of [['/', 'live-page.html'], ['/live-page.js', 'live-page.js'], ['/live-page.css', 'live-page.css']]) {
        const response = await fetch(`${url}${path}`);
        expect(response.status, path).toBe(200);
        expect(await response.text(), path).toBe(readFileSync(join(ROOT, 'src/http', file), 'utf8'));
      }
    } finally {
      child.kill('SIGTERM');
      await closed;
    }
    expect(stderr).not.toContain(FALLBACK_NOTE);
    expect(stderr).not.toContain('"esbuild"');
    // the probe reported what loaded as packages; those compiled into the bundle never do
    expect(stderr).toContain('PACKAGES [');
    for (const bundled of ['rxjs', 'prom-client', 'commander', 'cli-progress', 'lru-cache', 'pino']) expect(stderr).not.toContain(`"${bundled}"`);
  });
});

describe("the installed CLI's threads", () => {
  /** The threads a compiled `run --once` over a small generated dataset started, in order. */
  async function threadsOf(workers: string): Promise<string[]> {
    const args = ['--import', threadsProbe, BIN, 'run', '--generate', '2000', '--users', '200', '--artists', '20', '--data-dir', dir, '--port', '0', '--once', '--no-progress', '--no-dead-letters', '--workers', workers];
    const child = spawn(process.execPath, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(code, stderr).toBe(0);
    const line = stderr.split('\n').find((l) => l.startsWith('THREADS '));
    expect(line, stderr).toBeDefined();
    return JSON.parse((line as string).slice('THREADS '.length)) as string[];
  }

  it("start the loading shard's thread from the launcher, before the CLI's code, and the run takes it as its last shard", async () => {
    // shard 1 is the thread started ahead (its init came as a message), the merger follows
    expect(await threadsOf('2')).toEqual(['awaits-init', 'shard 0', 'other']);
    expect(await threadsOf('1')).toEqual(['awaits-init', 'other']);
    // a run that folds on the main thread starts none
    expect(await threadsOf('0')).toEqual([]);
  }, 60_000);
});

describe('a package root the bin cannot run dist/ in', () => {
  it('runs the sources through tsx when dist/ is missing, and says so in one line', async () => {
    const ran = await runBin(join(packageRoot('unbuilt', 'missing'), 'bin/streampulse.js'), ['--help'], dir);
    expect(ran.code, ran.stderr.join('\n')).toBe(0);
    expect(ran.stdout).toContain('Usage: streampulse');
    expect(ran.stderr).toEqual([`streampulse: dist/ is not built; ${FALLBACK_NOTE} (npm run build compiles them)`]);
    expect(ran.packages).toContain('esbuild');
  });

  it('runs the sources through tsx when a source changed after dist/ was built, naming it', async () => {
    const ran = await runBin(join(packageRoot('stale', 'stale'), 'bin/streampulse.js'), ['run', '--port', 'eighty'], dir);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toHaveLength(2);
    expect(ran.stderr[0]).toMatch(new RegExp(`^streampulse: \\S+\\.(ts|html|css|js) changed since dist/ was built; ${FALLBACK_NOTE}`));
    expect(ran.stderr[1]).toContain('--port must be a whole number');
    expect(ran.packages).toContain('esbuild');
  });
});
