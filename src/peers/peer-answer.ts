/** One partition's partial reports as its owner holds them, with its position in the topic. */
export interface PartitionPartial {
  /** The partition's saved state, as the state layer writes it (opaque here). */
  readonly state: unknown;
  /** Next offset folded into `state`. */
  readonly offset: number;
  /** The partition's end offset when last asked. */
  readonly end: number;
  readonly lag: number;
}

/**
 * What an instance answers for the partitions it was asked: each one either in `partitions`
 * (keyed by partition number) or in `missing` (not owned here, or still restoring), never both
 * and never neither, so a caller can always say which partitions an answer lacks.
 */
export interface PeerAnswer {
  readonly partitions: Readonly<Record<string, PartitionPartial>>;
  readonly missing: readonly number[];
}

/**
 * What serves `GET /partials`: the pipeline, for the partitions it owns and has restored (at
 * once on this thread; from the shards, after the batches they were dealt before the request).
 */
export interface PartialsProvider {
  partials(partitions: readonly number[]): PeerAnswer | Promise<PeerAnswer>;
}

/**
 * The answer for exactly `asked`: partitions not asked are dropped, and an asked partition the
 * provider neither gave nor named is missing.
 */
export function completeAnswer(answer: PeerAnswer, asked: readonly number[]): PeerAnswer {
  const partitions: Record<string, PartitionPartial> = {};
  const missing: number[] = [];
  for (const p of new Set(asked)) {
    const partial = Object.hasOwn(answer.partitions, String(p)) ? answer.partitions[String(p)] : undefined;
    if (partial === undefined) missing.push(p);
    else partitions[String(p)] = partial;
  }
  return { partitions, missing: missing.sort((a, b) => a - b) };
}

/**
 * Why `body` is not an answer to `asked` (null when it is one): the JSON a peer sent is checked
 * before anything of it is merged into a report.
 */
export function answerFault(body: unknown, asked: readonly number[]): string | null {
  if (!isRecord(body) || !isRecord(body.partitions) || !Array.isArray(body.missing)) return 'not an object with "partitions" and "missing"';
  const wanted = new Set(asked.map(String));
  for (const [key, partial] of Object.entries(body.partitions)) {
    if (!wanted.has(key)) return `partition ${JSON.stringify(key)} was not asked for`;
    if (!isRecord(partial) || !Object.hasOwn(partial, 'state')) return `partition ${key} has no state`;
    for (const field of ['offset', 'end', 'lag'] as const) {
      const value = partial[field];
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) return `partition ${key} has no whole ${field}`;
    }
  }
  for (const p of body.missing as unknown[]) {
    if (typeof p !== 'number' || !wanted.has(String(p))) return `missing names ${JSON.stringify(p)}, which was not asked for`;
    if (Object.hasOwn(body.partitions, String(p))) return `partition ${p} is both given and missing`;
  }
  return null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
