import { Gauge, type Registry } from 'prom-client';
import type { LivePipeline } from '../live-pipeline.ts';
import { MetricNames } from './metric-names.ts';

type Totals = Map<string, { revenue: number; streams: number }>;

function add(totals: Totals, key: string, revenue: number, streams: number): void {
  const t = totals.get(key) ?? { revenue: 0, streams: 0 };
  t.revenue += revenue;
  t.streams += streams;
  totals.set(key, t);
}

/**
 * Revenue as gauges for the dashboards, computed from one report snapshot when Prometheus scrapes
 * (nothing on the hot path). Labels are the data's categories: genre, region, plan, device, date.
 */
export function registerReportGauges(registry: Registry, pipeline: LivePipeline): void {
  let cached: { at: number; byGenre: Totals; byRegion: Totals; byPlan: Totals; byDevice: Totals; daily: { date: string; streams: number; users: number }[] } | null = null;
  // one snapshot serves all ten gauges of a scrape
  const totals = (): NonNullable<typeof cached> => {
    if (cached !== null && Date.now() - cached.at < 200) return cached;
    const snapshot = pipeline.snapshot();
    const r = snapshot.reports;
    const byGenre: Totals = new Map();
    const byDevice: Totals = new Map();
    for (const row of r.ad_performance) {
      add(byGenre, row.genre, row.total_ad_rev, row.impressions);
      add(byDevice, row.device, row.total_ad_rev, row.impressions);
    }
    const byRegion: Totals = new Map();
    for (const row of r.regional_breakdown) add(byRegion, row.region, row.ad_rev, row.streams);
    const byPlan: Totals = new Map();
    const planRevenue = pipeline.planAdRevenue(snapshot.strategy);
    for (const row of r.subscription_analysis) add(byPlan, row.plan, planRevenue.get(row.plan) ?? 0, row.total_streams);
    const daily = r.daily_summary.map((row) => ({ date: row.event_date, streams: row.streams, users: row.unique_users }));
    cached = { at: Date.now(), byGenre, byRegion, byPlan, byDevice, daily };
    return cached;
  };
  const pair = (revenueName: string, streamsName: string, label: string, pick: (t: NonNullable<typeof cached>) => Totals): void => {
    new Gauge({
      name: revenueName,
      help: `Ad revenue (dollars) by ${label}, from the live reports.`,
      labelNames: [label],
      registers: [registry],
      collect() {
        // sums of exact 7-decimal figures: rounding back to 7 decimals drops the float noise
        for (const [key, t] of pick(totals())) this.labels(key).set(Math.round(t.revenue * 1e7) / 1e7);
      },
    });
    new Gauge({
      name: streamsName,
      help: `Streams counted by ${label}, from the live reports.`,
      labelNames: [label],
      registers: [registry],
      collect() {
        for (const [key, t] of pick(totals())) this.labels(key).set(t.streams);
      },
    });
  };
  pair(MetricNames.genreAdRevenue, MetricNames.genreStreams, 'genre', (t) => t.byGenre);
  pair(MetricNames.regionAdRevenue, MetricNames.regionStreams, 'region', (t) => t.byRegion);
  pair(MetricNames.planAdRevenue, MetricNames.planStreams, 'plan', (t) => t.byPlan);
  pair(MetricNames.deviceAdRevenue, MetricNames.deviceStreams, 'device', (t) => t.byDevice);
  new Gauge({
    name: MetricNames.dailyStreams,
    help: 'Streams per event date, from the live reports.',
    labelNames: ['date'],
    registers: [registry],
    collect() {
      for (const d of totals().daily) this.labels(d.date).set(d.streams);
    },
  });
  new Gauge({
    name: MetricNames.dailyUniqueUsers,
    help: 'Distinct users per event date, from the live reports.',
    labelNames: ['date'],
    registers: [registry],
    collect() {
      for (const d of totals().daily) this.labels(d.date).set(d.users);
    },
  });
}
