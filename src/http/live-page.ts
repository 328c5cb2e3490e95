import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One file of the live page as served: its content type and text. */
export interface PageAsset {
  readonly type: string;
  readonly body: string;
}

const read = (name: string): string => readFileSync(join(import.meta.dirname, name), 'utf8');

/**
 * The live page: static HTML that polls /reports every second, with its style and script in files of
 * their own, so the page's Content-Security-Policy can forbid every inline script and style.
 */
const ASSETS: ReadonlyMap<string, PageAsset> = new Map([
  ['/', { type: 'text/html; charset=utf-8', body: read('live-page.html') }],
  ['/index.html', { type: 'text/html; charset=utf-8', body: read('live-page.html') }],
  ['/live-page.css', { type: 'text/css; charset=utf-8', body: read('live-page.css') }],
  ['/live-page.js', { type: 'text/javascript; charset=utf-8', body: read('live-page.js') }],
]);

/** The page file served at this path, if any. */
export function livePageAsset(path: string): PageAsset | undefined {
  return ASSETS.get(path);
}
