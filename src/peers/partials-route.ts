import { completeAnswer, type PartialsProvider, type PeerAnswer } from './peer-answer.ts';

/** Where an instance serves its partitions' partial reports to its peers. */
export const PARTIALS_PATH = '/partials';

/** More partitions than any topic has: bounds the work one request can ask for. */
const MAX_PARTITIONS = 100_000;

/**
 * The `partitions` query value (`0,3,5`) as partition numbers, or null when it is absent, empty,
 * or names anything but partition numbers.
 */
export function parsePartitions(text: string | null): number[] | null {
  if (text === null || text === '') return null;
  const parts = text.split(',');
  if (parts.length > MAX_PARTITIONS) return null;
  const partitions: number[] = [];
  for (const part of parts) {
    if (!/^\d{1,9}$/.test(part)) return null;
    partitions.push(Number(part));
  }
  return [...new Set(partitions)].sort((a, b) => a - b);
}

/** `GET /partials?partitions=…`: what this instance holds of those partitions, and which it lacks. */
export async function partialsAnswer(provider: PartialsProvider, partitions: readonly number[]): Promise<PeerAnswer> {
  return completeAnswer(await provider.partials(partitions), partitions);
}

/** The whole route over a request's query: 400 with a reason for a bad `partitions` value. */
export async function partialsResponse(provider: PartialsProvider, query: URLSearchParams): Promise<{ status: 200; body: PeerAnswer } | { status: 400; body: { error: string } }> {
  const partitions = parsePartitions(query.get('partitions'));
  if (partitions === null) return { status: 400, body: { error: 'partitions must be a comma-separated list of partition numbers, e.g. ?partitions=0,3' } };
  return { status: 200, body: await partialsAnswer(provider, partitions) };
}
