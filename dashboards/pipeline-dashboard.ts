/**
 * "StreamPulse — Pipeline": is the pipeline keeping up, is the input clean, is the process
 * healthy. Every panel's queries come from PANEL_QUERIES; this file only decides the layout.
 */
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TimeseriesPanel } from '@grafana/grafana-foundation-sdk/timeseries';
import { DashboardBuilder, DashboardCursorSync, DashboardLinkBuilder, DashboardLinkType, RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import type { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { BigValueGraphMode, ReduceDataOptionsBuilder } from '@grafana/grafana-foundation-sdk/common';
import { panelTargets } from './panel-targets.ts';
import { DASHBOARDS, DATASOURCE } from './queries.ts';

const DASHBOARD = DASHBOARDS.pipeline;

const targets = (panel: string): DataqueryBuilder[] => panelTargets(DASHBOARD, panel);

interface Layout {
  readonly unit: string;
  readonly span: number;
  readonly description?: string;
}

export function pipelineDashboard(): DashboardBuilder {
  let id = 0;
  const timeseries = (title: string, { unit, span, description }: Layout): TimeseriesPanel => {
    const panel = new TimeseriesPanel().id(++id).title(title).datasource(DATASOURCE).targets(targets(title)).unit(unit).span(span).height(8);
    return description === undefined ? panel : panel.description(description);
  };
  const stat = (title: string, { unit, span, description }: Layout): StatPanel => {
    const panel = new StatPanel()
      .id(++id)
      .title(title)
      .datasource(DATASOURCE)
      .targets(targets(title))
      .unit(unit)
      .span(span)
      .height(8)
      .graphMode(BigValueGraphMode.Area)
      .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false));
    return description === undefined ? panel : panel.description(description);
  };

  return new DashboardBuilder('StreamPulse — Pipeline')
    .uid('streampulse-pipeline')
    .description('Throughput, data quality, Kafka and checkpoints, and the Node.js process of the StreamPulse pipeline.')
    .tags(['streampulse'])
    .refresh('5s')
    .time({ from: 'now-15m', to: 'now' })
    .tooltip(DashboardCursorSync.Crosshair)
    .link(new DashboardLinkBuilder('StreamPulse').type(DashboardLinkType.Dashboards).tags(['streampulse']).asDropdown(true).keepTime(true))
    .withRow(new RowBuilder('Throughput and data quality').id(++id))
    .withPanel(timeseries('Events read/s', { unit: 'short', span: 8, description: 'Event records read from the source, valid or not.' }))
    .withPanel(timeseries('Events counted/s by strategy', { unit: 'short', span: 8, description: 'Events folded into the six reports, per enrichment strategy.' }))
    .withPanel(timeseries('Batch size', { unit: 'short', span: 8, description: 'Records per event batch: mean, and p99 from the histogram buckets.' }))
    .withPanel(
      timeseries('Rejected per minute by reason', {
        unit: 'short',
        span: 8,
        description: 'Records rejected at decode (they go to the dead letters). A reason has no series until it happens, so a flat 0 means none.',
      }),
    )
    .withPanel(
      timeseries('Unmatched per minute by strategy and reason', {
        unit: 'short',
        span: 8,
        description: 'Valid events an inner join dropped, by the first join that failed. 0 when every event found its partners.',
      }),
    )
    .withPanel(stat('Dimension rows by table', { unit: 'short', span: 8, description: 'Rows held per dimension table.' }))
    .withRow(new RowBuilder('Kafka, checkpoints and HTTP').id(++id))
    .withPanel(timeseries('Consumer lag by partition', { unit: 'short', span: 12, description: 'Events behind the end offset per events partition (Kafka source only).' }))
    .withPanel(stat('Checkpoint age', { unit: 's', span: 4, description: 'Seconds since the last checkpoint (Kafka source only); should stay near the interval.' }))
    .withPanel(timeseries('Checkpoints per minute', { unit: 'short', span: 8, description: 'Checkpoints written (Kafka source only).' }))
    .withPanel(timeseries('Checkpoint duration', { unit: 's', span: 8, description: 'Time to capture and write a checkpoint: mean and p99.' }))
    .withPanel(timeseries('Partitions owned by instance', { unit: 'short', span: 8, description: 'Events partitions each instance holds (assigned and restored); together they are every partition of the topic.' }))
    .withPanel(stat('State restore time', { unit: 's', span: 4, description: 'Mean seconds to read a partition state from the state topic at an assignment.' }))
    .withPanel(timeseries('State restored per minute', { unit: 'bytes', span: 8, description: 'Bytes of partition state read from the state topic (restores at assignments).' }))
    .withPanel(stat('Dead letters not written', { unit: 'short', span: 4, description: 'Dead letters given up on (the dead-letter topic refused them); recorded in the checkpoint. Should be 0.' }))
    .withPanel(
      timeseries('Snapshot time by report', {
        unit: 's',
        span: 12,
        description: 'Time to build a report snapshot for HTTP (`all` for /reports). Empty until /reports has been served.',
      }),
    )
    .withRow(new RowBuilder('Node.js runtime').id(++id))
    .withPanel(timeseries('Event-loop lag p99', { unit: 's', span: 6, description: 'Batches are folded synchronously: a long batch shows up here as lag.' }))
    .withPanel(timeseries('Memory', { unit: 'bytes', span: 6, description: 'V8 heap used and resident set size.' }))
    .withPanel(timeseries('GC time per second by kind', { unit: 'percentunit', span: 6, description: 'Share of wall time spent in garbage collection.' }))
    .withPanel(timeseries('CPU', { unit: 'percentunit', span: 6, description: 'CPU seconds per second (1 = one core).' }));
}
