/**
 * "StreamPulse — Naive vs cached": the two enrichment strategies on the same stream (run with
 * `--strategy both`). Their reports are identical; this dashboard shows what each one costs.
 */
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TimeseriesPanel } from '@grafana/grafana-foundation-sdk/timeseries';
import { DashboardBuilder, DashboardCursorSync, DashboardLinkBuilder, DashboardLinkType, RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import type { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { BigValueGraphMode, ReduceDataOptionsBuilder, ScaleDistribution, ScaleDistributionConfigBuilder } from '@grafana/grafana-foundation-sdk/common';
import { panelTargets } from './panel-targets.ts';
import { DASHBOARDS, DATASOURCE } from './queries.ts';

const DASHBOARD = DASHBOARDS.naiveVsCached;

const targets = (panel: string): DataqueryBuilder[] => panelTargets(DASHBOARD, panel);

interface Layout {
  readonly unit: string;
  readonly span: number;
  readonly description: string;
  /** naive is tens of times slower than cached: a log axis keeps both lines readable */
  readonly log?: boolean;
}

export function naiveVsCachedDashboard(): DashboardBuilder {
  let id = 0;
  const timeseries = (title: string, { unit, span, description, log }: Layout): TimeseriesPanel => {
    const panel = new TimeseriesPanel().id(++id).title(title).description(description).datasource(DATASOURCE).targets(targets(title)).unit(unit).span(span).height(9);
    return log === true ? panel.scaleDistribution(new ScaleDistributionConfigBuilder().type(ScaleDistribution.Log).log(10)) : panel;
  };
  const stat = (title: string, { unit, span, description }: Layout): StatPanel =>
    new StatPanel()
      .id(++id)
      .title(title)
      .description(description)
      .datasource(DATASOURCE)
      .targets(targets(title))
      .unit(unit)
      .span(span)
      .height(6)
      .graphMode(BigValueGraphMode.Area)
      .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false));

  return new DashboardBuilder('StreamPulse — Naive vs cached')
    .uid('streampulse-naive-vs-cached')
    .description('The naive and cached enrichment strategies side by side: throughput, time and lookups per event, the subscription cache.')
    .tags(['streampulse'])
    .refresh('5s')
    .time({ from: 'now-15m', to: 'now' })
    .tooltip(DashboardCursorSync.Crosshair)
    .link(new DashboardLinkBuilder('StreamPulse').type(DashboardLinkType.Dashboards).tags(['streampulse']).asDropdown(true).keepTime(true))
    .withRow(new RowBuilder('Headline').id(++id))
    .withPanel(
      stat('Naive ÷ cached time per event', {
        unit: 'suffix:×',
        span: 6,
        description: 'How many times longer naive takes per event than cached: over the last 30 s (live) and since start.',
      }),
    )
    .withPanel(stat('Seconds per event, whole run', { unit: 's', span: 6, description: 'Enrichment and aggregation seconds over events enriched, since start.' }))
    .withPanel(stat('Subscription cache hit ratio', { unit: 'percentunit', span: 6, description: 'Hits over lookups of the cached strategy: over the last 30 s and since start.' }))
    .withPanel(stat('Subscription cache entries', { unit: 'short', span: 6, description: 'Decoded subscriptions held in the LRU cache (bounded by --cache-size).' }))
    .withRow(new RowBuilder('Throughput and cost per event').id(++id))
    .withPanel(timeseries('Events enriched/s by strategy', { unit: 'short', span: 12, description: 'Valid events joined per second, per strategy.', log: true }))
    .withPanel(
      timeseries('Seconds per event by strategy', {
        unit: 's',
        span: 12,
        description: 'Mean from the seconds and events counters; p50/p99 of the per-batch means from the histogram.',
        log: true,
      }),
    )
    .withRow(new RowBuilder('Lookups and cache').id(++id))
    .withPanel(
      timeseries('Lookups per event by strategy and table', {
        unit: 'short',
        span: 12,
        description: 'cached joins each event once (1 per table); naive re-joins it for each of the six reports.',
      }),
    )
    .withPanel(
      timeseries('Subscription cache misses and evictions/s', {
        unit: 'short',
        span: 12,
        description: 'Misses decode a subscription from its serialized row; evictions mean the cache is smaller than the active users.',
      }),
    );
}
