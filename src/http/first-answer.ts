import { connect } from 'node:net';

/** How long the server's answer to itself may take before the run goes on without it. */
const FIRST_ANSWER_MS = 1_000;

/**
 * `GET path` twice, answered by the server to itself over loopback before the run says it serves:
 * the first answer of a process runs every function of the HTTP path for the first time (Node's
 * parser and response, the handler, the reports' JSON), 3-5 ms on an idle machine and 10-25 ms
 * beside the shards starting, and it was the first clients' answers that waited for it (the
 * slowest of a whole run). The first request is a plain poll (what /reports' fast path answers,
 * reports-fast-path.ts), the second asks to close (what node:http answers), so both paths have
 * run once. Resolves with the first status line (null when there was no answer in time, or the
 * connection failed: the run goes on, its clients then pay that start themselves).
 */
export function answerOnce(url: string, path: string): Promise<string | null> {
  const { hostname, port, host } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname.replace(/^\[|\]$/g, ''), port: Number(port) });
    let head = '';
    let status: string | null = null;
    const done = (line: string | null): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(line);
    };
    const timer = setTimeout(() => done(null), FIRST_ANSWER_MS);
    socket.setEncoding('latin1');
    socket.on('connect', () => socket.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\n\r\nGET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`));
    // read to the end (the server closes after the second answer): it is the answering that warms the paths
    socket.on('data', (chunk: string) => {
      if (status !== null) return;
      head += chunk;
      const end = head.indexOf('\r\n');
      if (end >= 0) status = head.slice(0, end);
    });
    socket.on('end', () => done(status));
    socket.on('error', () => done(null));
  });
}
