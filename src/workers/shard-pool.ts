import { Worker } from 'node:worker_threads';
import { AWAITS_INIT } from './shard-protocol.ts';

/** The shard's code: compiled beside this module in the build, a tsx shim when run from source. */
export function shardUrl(): URL {
  return import.meta.url.endsWith('.ts') ? new URL('./shard-worker-dev.mjs', import.meta.url) : new URL('./shard-worker.cjs', import.meta.url);
}

/**
 * The thread started ahead is kept on the global object, not in this module: the launcher runs
 * this module from its own small bundle (dist/shard-pool.cjs) before the CLI's bundle is loaded,
 * and the CLI's bundle, which takes the thread, holds a copy of its own.
 */
const STARTED = Symbol.for('streampulse.shard-started-ahead');

interface Started {
  readonly worker: Worker;
  readonly gone: () => void;
}

const holder = globalThis as { [STARTED]?: Started | undefined };

/**
 * Whether a command line starts shards, as far as it can be told before its flags are parsed:
 * `run`, unless its --workers (or else STREAMPULSE_WORKERS) is 0 or not a number. A guess only:
 * the run's config decides, and a thread started for none costs its start-up and nothing else.
 */
export function startsShards(argv: readonly string[], env: NodeJS.ProcessEnv): boolean {
  if (argv[0] !== 'run' || argv.includes('--help') || argv.includes('-h')) return false;
  let flag: string | null = null;
  for (let i = 1; i < argv.length; i++) {
    if (argv[i] === '--workers') flag = argv[i + 1] ?? '';
    else if (argv[i].startsWith('--workers=')) flag = argv[i].slice('--workers='.length);
  }
  // an empty variable is unset, as the run's config reads it
  const given = flag ?? (env.STREAMPULSE_WORKERS === '' ? undefined : env.STREAMPULSE_WORKERS);
  return given === undefined || (/^\d+$/.test(given) && Number(given) > 0);
}

/**
 * Starts the loading shard's thread (the last shard's: see startShards) before the CLI's own
 * code is loaded. A thread takes ~60 ms to start beside the main thread's loading, and the
 * subscriptions that shard preloads, which every event waits for, began only after both; started
 * here, it is ready when its init comes. Only that one: every shard started ahead slowed the
 * main thread's own loading as much as it gained (0.994x wall over 14 pairs, against 0.986x
 * over 24 for this one alone). It waits for its ShardInit as its first message (AWAITS_INIT) and
 * does not keep the process alive. A failure reported before it is taken drops it (the run then
 * starts a thread of its own); one reported after is the loading shard's, which fails the run as a
 * shard that cannot start does. Returns it, or undefined when none was started (one is already,
 * or the command starts no shard).
 */
export function startAhead(argv: readonly string[], env: NodeJS.ProcessEnv): Worker | undefined {
  if (holder[STARTED] !== undefined || !startsShards(argv, env)) return undefined;
  const worker = new Worker(shardUrl(), { workerData: AWAITS_INIT, stdout: false, stderr: false });
  worker.unref();
  const gone = (): void => {
    if (holder[STARTED]?.worker === worker) holder[STARTED] = undefined;
  };
  // a failure before it is taken ends it: the run starts a thread of its own instead
  worker.on('error', gone);
  worker.once('exit', gone);
  holder[STARTED] = { worker, gone };
  return worker;
}

/** The thread started ahead, now the caller's to listen to (it posts nothing before its init), or undefined. */
export function takeStarted(): Worker | undefined {
  const started = holder[STARTED];
  if (started === undefined) return undefined;
  holder[STARTED] = undefined;
  started.worker.off('error', started.gone);
  started.worker.off('exit', started.gone);
  return started.worker;
}

/** Ends the thread started ahead if no shard took it. */
export function endStarted(): void {
  const started = takeStarted();
  if (started === undefined) return;
  // an error already on its way must not reach a thread with no listener (it would be thrown here)
  started.on('error', () => {});
  void started.terminate().catch(() => {});
}
