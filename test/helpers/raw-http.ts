import { connect } from 'node:net';

export interface RawAnswer {
  /** Everything the server sent back, as latin1 (bytes one to one). */
  readonly text: string;
  /** The status code of the first status line, or null when the answer did not start with one. */
  readonly status: number | null;
  /** The connection ended (or was reset) before any byte came back. */
  readonly noAnswer: boolean;
  /** The client gave up waiting: the server neither answered nor closed. */
  readonly timedOut: boolean;
}

const STATUS_LINE = /^HTTP\/1\.1 (\d{3}) /;

/**
 * Sends `request` as is over a fresh TCP connection, half-closes, and collects what comes back
 * until the server closes: no HTTP client in between to fix, refuse or normalise the bytes.
 */
export function rawRequest(port: number, request: string | Uint8Array, timeoutMs = 10_000): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    let finished = false;
    const finish = (timedOut: boolean): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const match = STATUS_LINE.exec(text);
      resolve({ text, status: match === null ? null : Number(match[1]), noAnswer: text.length === 0, timedOut });
    };
    const timer = setTimeout(() => finish(true), timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => finish(false));
    socket.on('close', () => finish(false));
    // a reset after the answer arrived is still an answer; before it, the answer is missing
    socket.on('error', () => finish(false));
    socket.end(typeof request === 'string' ? Buffer.from(request, 'latin1') : request);
  });
}

/** The JSON body of a raw answer (after the blank line), decoded as UTF-8. */
export function rawJsonBody(answer: RawAnswer): unknown {
  return JSON.parse(Buffer.from(answer.text.slice(answer.text.indexOf('\r\n\r\n') + 4), 'latin1').toString('utf8'));
}

/** A header's value in a raw answer, lower-cased name. */
export function rawHeader(answer: RawAnswer, name: string): string | undefined {
  const head = answer.text.slice(0, answer.text.indexOf('\r\n\r\n'));
  const line = head.split('\r\n').find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line?.slice(name.length + 1).trim();
}
