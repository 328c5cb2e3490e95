/**
 * Whether a source is delivering, and why not when it is not: what `/health` answers (503 with the
 * reason unless `serving`) and what ends a run that cannot complete.
 */
export type SourceState =
  /** Waiting for the first broker to answer (bounded by --connect-timeout). */
  | 'connecting'
  /** Reading the dimension tables to their end before any event is folded. */
  | 'restoring'
  | 'running'
  /** Was running; its broker stopped answering and it is retrying. */
  | 'down'
  /** Stopped for good by an error no retry mends. */
  | 'failed'
  /** Read everything it was asked to (a file, or a `--once` run caught up). */
  | 'done'
  | 'stopped';

export interface SourceHealth {
  readonly state: SourceState;
  /** Why the source is not serving fresh data; absent while it is. */
  readonly reason?: string;
  /** In a consumer group: the partitions this instance holds now, and those it is restoring. */
  readonly assignment?: { readonly held: readonly number[]; readonly restoring: readonly number[] };
}

/** States in which the reports are being kept up to date (or are final). */
export function isServing(health: SourceHealth): boolean {
  return health.state === 'running' || health.state === 'done';
}
