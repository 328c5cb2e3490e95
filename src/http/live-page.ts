import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The live page: one static HTML file (inline CSS and JS) that polls /reports every second. */
const html = readFileSync(join(import.meta.dirname, 'live-page.html'), 'utf8');

export function livePageHtml(): string {
  return html;
}
