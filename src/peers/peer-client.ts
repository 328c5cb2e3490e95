import { PeerError } from '../errors.ts';
import { answerFault, completeAnswer, type PeerAnswer } from './peer-answer.ts';
import { PARTIALS_PATH } from './partials-route.ts';

/** The largest answer taken from a peer; a partition's distinct sets make answers large, not unbounded. */
export const MAX_PEER_BODY_BYTES = 64 << 20;

export interface FetchPartialsOptions {
  /** The whole exchange, connect to last byte, ends after this long. */
  readonly timeoutMs: number;
  /** Cancels the request (a shutdown, a query given up). */
  readonly signal?: AbortSignal;
  readonly maxBytes?: number;
}

/**
 * Asks the peer at `url` for the partial reports of `partitions` (`GET <url>/partials?partitions=0,3`).
 * Every failure, whether refused, timed out, a status other than 200, a body too large or not an
 * answer, is one PeerError naming the peer and the reason; every asked partition is in the
 * answer's `partitions` or `missing`.
 */
export async function fetchPartials(url: string, partitions: readonly number[], options: FetchPartialsOptions): Promise<PeerAnswer> {
  const peer = shownUrl(url);
  const fail = (reason: string, cause?: unknown): PeerError => new PeerError(`peer ${peer}: ${reason}`, { cause });
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal === undefined ? timeout : AbortSignal.any([timeout, options.signal]);
  const failure = (error: unknown): PeerError => {
    if (timeout.aborted) return fail(`no answer within ${options.timeoutMs} ms`, error);
    if (options.signal?.aborted === true) return fail('request cancelled', error);
    return error instanceof PeerError ? error : fail(networkReason(error), error);
  };
  try {
    const target = URL.canParse(url) ? new URL(PARTIALS_PATH.slice(1), url.endsWith('/') ? url : `${url}/`) : null;
    // a URL comes from another member's subscription: only plain http(s) is asked, never with credentials
    if (target === null || !['http:', 'https:'].includes(target.protocol) || target.username !== '' || target.password !== '') throw fail('not an http(s) URL without user name or password');
    target.search = `?partitions=${partitions.join(',')}`;
    const response = await fetch(target, { signal, redirect: 'error', headers: { accept: 'application/json' } });
    if (response.status !== 200) {
      await response.body?.cancel();
      throw fail(`answered HTTP ${response.status}`);
    }
    const text = await readLimited(response, options.maxBytes ?? MAX_PEER_BODY_BYTES, fail);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      throw fail('answered a body that is not JSON', error);
    }
    const fault = answerFault(body, partitions);
    if (fault !== null) throw fail(`answered a body that is not a partials answer: ${fault}`);
    return completeAnswer(body as PeerAnswer, partitions);
  } catch (error) {
    throw failure(error);
  }
}

/** The body as text, refused (and the transfer stopped) as soon as it passes `maxBytes`. */
async function readLimited(response: Response, maxBytes: number, fail: (reason: string) => PeerError): Promise<string> {
  const tooLarge = (): PeerError => fail(`answered more than ${maxBytes} bytes`);
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw tooLarge();
  }
  if (response.body === null) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Why fetch failed below HTTP: undici's TypeError carries the socket error as its cause. */
function networkReason(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  switch (cause?.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host name not found';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return 'connection reset';
    default:
      return cause?.message ?? (error instanceof Error ? error.message : String(error));
  }
}

/** The peer's URL without any user name or password it might carry: messages reach logs. */
function shownUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.href.replace(/\/$/, '');
  } catch {
    return '(invalid URL)';
  }
}
