import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The folder holding StreamPulse's package.json (and kafka/, scripts/...), found from wherever this
 * module runs: src/ under tsx, or the compiled bundle in dist/, whose chunks sit at another depth
 * than the source files they came from, so a fixed `../..` would point elsewhere.
 */
function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return from;
  }
}

export const PACKAGE_ROOT = findPackageRoot(import.meta.dirname);
