import type { OutgoingHttpHeaders } from 'node:http';

/** On every answer: no MIME sniffing (a JSON body is never run as script or page), no referrer leaves the page. */
export const COMMON_HEADERS: Readonly<OutgoingHttpHeaders> = Object.freeze({
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
});

/**
 * The live page's policy: its script and style are files of this server (no inline code, so an
 * injected tag runs nothing), it talks only to this server, and no other site may frame it.
 */
export const LIVE_PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** For every other answer (JSON, CSV, metrics): nothing in it may load or run, nor be framed. */
export const DATA_CSP = "default-src 'none'; frame-ancestors 'none'";
