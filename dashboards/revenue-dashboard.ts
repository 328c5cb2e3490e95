/**
 * "StreamPulse — Revenue": the live reports as the business reads them. The gauges behind these
 * panels are computed from one report snapshot of the primary strategy at each scrape, so every
 * panel shows the same point of the stream.
 */
import { PanelBuilder as BarChartPanel } from '@grafana/grafana-foundation-sdk/barchart';
import { PanelBuilder as BarGaugePanel } from '@grafana/grafana-foundation-sdk/bargauge';
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TimeseriesPanel } from '@grafana/grafana-foundation-sdk/timeseries';
import { DashboardBuilder, DashboardCursorSync, DashboardLinkBuilder, DashboardLinkType, RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import type { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import {
  BarGaugeDisplayMode,
  BigValueGraphMode,
  LegendDisplayMode,
  LegendPlacement,
  ReduceDataOptionsBuilder,
  VisibilityMode,
  VizLegendOptionsBuilder,
  VizOrientation,
} from '@grafana/grafana-foundation-sdk/common';
import { panelTargets, refId } from './panel-targets.ts';
import { DASHBOARDS, DATASOURCE, queriesFor } from './queries.ts';

const DASHBOARD = DASHBOARDS.revenue;
const DOLLARS = 'currencyUSD';
const CATEGORIES = ['genre', 'region', 'plan', 'device'] as const;

/** Category panels ask for one instant value; the daily chart asks for a table so the date label becomes the x axis. */
const targets = (panel: string, kind: 'range' | 'instant' | 'table' = 'range'): DataqueryBuilder[] => panelTargets(DASHBOARD, panel, kind);

export function revenueDashboard(): DashboardBuilder {
  let id = 0;
  const lastValue = (): ReduceDataOptionsBuilder => new ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false);
  const stat = (title: string, unit: string): StatPanel =>
    new StatPanel().id(++id).title(title).datasource(DATASOURCE).targets(targets(title)).unit(unit).span(6).height(6).graphMode(BigValueGraphMode.Area).reduceOptions(lastValue());
  const bars = (title: string, unit: string): BarGaugePanel =>
    new BarGaugePanel()
      .id(++id)
      .title(title)
      .datasource(DATASOURCE)
      .targets(targets(title, 'instant'))
      .unit(unit)
      .span(6)
      .height(9)
      .orientation(VizOrientation.Horizontal)
      .displayMode(BarGaugeDisplayMode.Gradient)
      .reduceOptions(lastValue());

  const dashboard = new DashboardBuilder('StreamPulse — Revenue')
    .uid('streampulse-revenue')
    .description('Ad revenue and streams from the live reports: by genre, region, plan and device, and per day.')
    .tags(['streampulse'])
    .refresh('5s')
    .time({ from: 'now-15m', to: 'now' })
    .tooltip(DashboardCursorSync.Crosshair)
    .link(new DashboardLinkBuilder('StreamPulse').type(DashboardLinkType.Dashboards).tags(['streampulse']).asDropdown(true).keepTime(true))
    .withRow(new RowBuilder('Totals').id(++id))
    .withPanel(stat('Total ad revenue', DOLLARS))
    .withPanel(stat('Streams counted', 'short'))
    .withPanel(
      new TimeseriesPanel()
        .id(++id)
        .title('Ad revenue over time by genre')
        .description('Cumulative ad revenue per genre as events arrive.')
        .datasource(DATASOURCE)
        .targets(targets('Ad revenue over time by genre'))
        .unit(DOLLARS)
        .span(12)
        .height(6),
    )
    .withRow(new RowBuilder('By category').id(++id));
  for (const category of CATEGORIES) dashboard.withPanel(bars(`Ad revenue by ${category}`, DOLLARS));
  for (const category of CATEGORIES) dashboard.withPanel(bars(`Streams by ${category}`, 'short'));

  // one bar per event date: the date is a label, not a timestamp, so a table query plus a bar
  // chart over that column shows it (a time series would stack every date on scrape time)
  const daily = 'Daily streams and unique users';
  // a table query names its value column `Value #<refId>`: show the query's legend instead
  const columns = Object.fromEntries(queriesFor(DASHBOARD, daily).map((q, i) => [`Value #${refId(i)}`, q.legend ?? q.expr]));
  return dashboard.withRow(new RowBuilder('Daily').id(++id)).withPanel(
    new BarChartPanel()
      .id(++id)
      .title(daily)
      .description('daily_summary: streams and distinct users per event date.')
      .datasource(DATASOURCE)
      .targets(targets(daily, 'table'))
      .transformations([
        { id: 'merge', options: {} },
        { id: 'organize', options: { excludeByName: { Time: true }, renameByName: columns } },
        { id: 'sortBy', options: { sort: [{ field: 'date' }] } },
      ])
      .xField('date')
      .showValue(VisibilityMode.Never)
      .legend(new VizLegendOptionsBuilder().showLegend(true).displayMode(LegendDisplayMode.List).placement(LegendPlacement.Bottom))
      .xTickLabelSpacing(100)
      .unit('short')
      .span(24)
      .height(10),
  );
}
