import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * vitest's globalSetup: tests import the sources, but the CLI they spawn (bin/streampulse.js) runs
 * the compiled dist/, so it is rebuilt once before any test file runs and no test runs an old one.
 */
export default function buildDist(): void {
  execFileSync(process.execPath, [join(import.meta.dirname, '../../scripts/build.mjs')], { stdio: 'inherit' });
}
