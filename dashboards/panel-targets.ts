import { DataqueryBuilder, PromQueryFormat } from '@grafana/grafana-foundation-sdk/prometheus';
import { DATASOURCE, queriesFor } from './queries.ts';

/** A target's refId by its place among the panel's queries: A, B, … */
export const refId = (i: number): string => String.fromCharCode(65 + i);

/**
 * A panel's queries as Prometheus targets, refIds in PANEL_QUERIES order. `instant` asks for one
 * value (category panels); `table` also makes the labels columns (a chart whose x axis is a label).
 */
export function panelTargets(dashboard: string, panel: string, kind: 'range' | 'instant' | 'table' = 'range'): DataqueryBuilder[] {
  return queriesFor(dashboard, panel).map((q, i) => {
    const target = new DataqueryBuilder().expr(q.expr).refId(refId(i)).datasource(DATASOURCE);
    if (q.legend !== undefined) target.legendFormat(q.legend);
    if (kind !== 'range') target.instant();
    if (kind === 'table') target.format(PromQueryFormat.Table);
    return target;
  });
}
