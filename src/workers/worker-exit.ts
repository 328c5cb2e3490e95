import type { Worker } from 'node:worker_threads';

/** How long a thread told to close has to end by itself before it is terminated. */
const CLOSE_GRACE_MS = 2_000;

/**
 * Asks a worker thread to close (posting `close`) and resolves once it has exited; one that does
 * not end by itself within the grace period is terminated, since whatever it held is already
 * handed over (a shard's publishes, the merger's render).
 */
export async function closeWorker(worker: Worker, close: unknown): Promise<void> {
  worker.postMessage(close);
  const timer = setTimeout(() => void worker.terminate(), CLOSE_GRACE_MS);
  await new Promise<void>((resolve) => {
    worker.once('exit', () => resolve());
    if (worker.threadId === -1) resolve();
  });
  clearTimeout(timer);
}
