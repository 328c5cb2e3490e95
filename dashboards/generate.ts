/**
 * Dashboards as code: renders the three StreamPulse dashboards to the JSON that Grafana
 * provisions from dashboards/grafana/dashboards/ (see docker-compose.yml). The JSON is committed;
 * test/dashboards/ fails when it differs from what this renders, so run `npm run dashboards`
 * after changing a dashboard or a query.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { naiveVsCachedDashboard } from './naive-vs-cached-dashboard.ts';
import { pipelineDashboard } from './pipeline-dashboard.ts';
import { DASHBOARDS } from './queries.ts';
import { revenueDashboard } from './revenue-dashboard.ts';

export const OUTPUT_DIR = resolve(import.meta.dirname, 'grafana/dashboards');

const BUILDERS: Record<string, () => DashboardBuilder> = {
  [DASHBOARDS.pipeline]: pipelineDashboard,
  [DASHBOARDS.naiveVsCached]: naiveVsCachedDashboard,
  [DASHBOARDS.revenue]: revenueDashboard,
};

/** File name (`<dashboard>.json`) → JSON text, newline-terminated so the files diff cleanly. */
export function renderDashboards(): Record<string, string> {
  return Object.fromEntries(Object.entries(BUILDERS).map(([name, build]) => [`${name}.json`, `${JSON.stringify(build().build(), null, 2)}\n`]));
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const [file, json] of Object.entries(renderDashboards())) {
    writeFileSync(join(OUTPUT_DIR, file), json);
    process.stdout.write(`wrote ${join('dashboards/grafana/dashboards', file)}\n`);
  }
}
