import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll } from 'vitest';
import { makeTempDir, removeTempDir } from './temp-dir.ts';

/** What a reader's tests write their files with: a temp dir, and an in-memory DuckDB connection. */
export interface DuckDBScratch {
  readonly dir: string;
  readonly db: DuckDBConnection;
}

/**
 * A temp dir and a DuckDB connection for the tests of one file: made before its first test,
 * closed and removed after its last. Read the fields inside tests and hooks, not at import.
 */
export function useDuckDBScratch(prefix: string): DuckDBScratch {
  const scratch = {} as { dir: string; db: DuckDBConnection };
  let instance: DuckDBInstance | undefined;
  beforeAll(async () => {
    scratch.dir = await makeTempDir(prefix);
    instance = await DuckDBInstance.create();
    scratch.db = await instance.connect();
  });
  afterAll(async () => {
    scratch.db?.closeSync();
    instance?.closeSync();
    await removeTempDir(scratch.dir);
  });
  return scratch;
}
