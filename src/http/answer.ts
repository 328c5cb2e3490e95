import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import { COMMON_HEADERS, DATA_CSP } from './security-headers.ts';

/** Every answer's headers: the security headers, never cached, its length known. */
export function answerHeaders(type: string, length: number): OutgoingHttpHeaders {
  return { ...COMMON_HEADERS, 'content-security-policy': DATA_CSP, 'content-type': type, 'cache-control': 'no-store', 'content-length': length };
}

/** The status line and header lines of an answer written as bytes, up to and with the blank line. */
export function rawHead(status: number, headers: OutgoingHttpHeaders): string {
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${String(value)}\r\n`);
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n${lines.join('')}\r\n`;
}

/** One whole answer. */
export function send(res: ServerResponse, status: number, type: string, body: string, headers: OutgoingHttpHeaders = {}): void {
  res.writeHead(status, { ...answerHeaders(type, Buffer.byteLength(body)), ...headers });
  res.end(body);
}

/** The bytes of an answer in parts, text as UTF-8. */
export function partsLength(parts: readonly (string | Uint8Array)[]): number {
  let length = 0;
  for (const part of parts) length += typeof part === 'string' ? Buffer.byteLength(part) : part.byteLength;
  return length;
}

/** One whole answer in parts (text, or bytes kept from an earlier answer), written without joining them. */
export function sendParts(res: ServerResponse, status: number, type: string, parts: readonly (string | Uint8Array)[]): void {
  res.writeHead(status, answerHeaders(type, partsLength(parts)));
  // one send for the whole answer, not one per part
  res.cork();
  for (let i = 0; i < parts.length - 1; i++) res.write(parts[i]);
  res.end(parts[parts.length - 1]);
  res.uncork();
}

export const JSON_TYPE = 'application/json; charset=utf-8';

export function sendJson(res: ServerResponse, status: number, value: unknown, headers?: OutgoingHttpHeaders): void {
  send(res, status, JSON_TYPE, JSON.stringify(value), headers);
}

/** An error answer; once headers are out the status cannot change, so the connection is cut instead. */
export function sendError(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) res.destroy();
  else sendJson(res, status, { error: message });
}

/** The first line of an error's message, cut short: enough to act on, never a stack. */
export function shortMessage(error: unknown, max = 200): string {
  const text = error instanceof Error ? error.message : String(error);
  const line = text.split('\n')[0] ?? '';
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

/** A whole HTTP/1.1 answer as bytes, for a connection whose request could not be parsed (no ServerResponse exists). */
export function rawAnswer(status: number, message: string): string {
  const body = JSON.stringify({ error: message });
  return rawHead(status, { ...answerHeaders(JSON_TYPE, Buffer.byteLength(body)), connection: 'close' }) + body;
}
