import { writeFileSync } from 'node:fs';
import { computeReportsWithDuckDB } from '../../test/helpers/duckdb-oracle.ts';

/**
 * The DuckDB engine of the comparison, as its own process: the six reports in SQL over the same
 * NDJSON files (the same SQL the tests use as their oracle), written as {"reports": …}.
 */
const [dir, out] = process.argv.slice(2);
const reports = await computeReportsWithDuckDB(dir);
writeFileSync(out, JSON.stringify({ reports }));
