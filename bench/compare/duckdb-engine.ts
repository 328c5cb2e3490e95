import { writeFileSync } from 'node:fs';
import { computeReportsWithDuckDB } from '../../test/helpers/duckdb-oracle.ts';
import type { SqlSource } from '../../test/helpers/six-reports-sql.ts';

/**
 * The Node DuckDB engine of the comparison (@duckdb/node-api), as its own process: the six
 * reports of test/helpers/six-reports.sql over the dataset's NDJSON files or its Parquet copy,
 * with 2 threads, written as {"reports": …}.
 */
const [dir, source, out] = process.argv.slice(2);
const reports = await computeReportsWithDuckDB(dir, { source: source as SqlSource, threads: 2 });
writeFileSync(out, JSON.stringify({ reports }));
