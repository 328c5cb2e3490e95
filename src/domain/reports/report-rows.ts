/** The six reports' rows: the notebook's column names and meanings. Money is exact decimal. */
export interface GenreRevenueRow {
  readonly genre: string;
  readonly total_ad_rev: number;
  readonly unique_listeners: number;
}

export interface RegionalBreakdownRow {
  readonly region: string;
  readonly country: string;
  readonly streams: number;
  readonly ad_rev: number;
}

export interface SubscriptionAnalysisRow {
  readonly plan: string;
  readonly users: number;
  readonly total_streams: number;
  readonly avg_duration: number;
}

export interface AdPerformanceRow {
  readonly device: string;
  readonly genre: string;
  readonly total_ad_rev: number;
  readonly impressions: number;
}

export interface ArtistPayoutRow {
  readonly artist_id: string;
  readonly label_type: string;
  readonly total_payout: number;
  readonly total_streams: number;
}

export interface DailySummaryRow {
  readonly event_date: string;
  readonly streams: number;
  readonly ad_rev: number;
  readonly unique_users: number;
}

export interface Reports {
  readonly genre_revenue: readonly GenreRevenueRow[];
  readonly regional_breakdown: readonly RegionalBreakdownRow[];
  readonly subscription_analysis: readonly SubscriptionAnalysisRow[];
  readonly ad_performance: readonly AdPerformanceRow[];
  readonly artist_payouts: readonly ArtistPayoutRow[];
  readonly daily_summary: readonly DailySummaryRow[];
}

export type ReportName = keyof Reports;

export const REPORT_NAMES: readonly ReportName[] = [
  'genre_revenue',
  'regional_breakdown',
  'subscription_analysis',
  'ad_performance',
  'artist_payouts',
  'daily_summary',
];

/** Column order per report, for CSV and tables. */
export const REPORT_COLUMNS: Readonly<Record<ReportName, readonly string[]>> = {
  genre_revenue: ['genre', 'total_ad_rev', 'unique_listeners'],
  regional_breakdown: ['region', 'country', 'streams', 'ad_rev'],
  subscription_analysis: ['plan', 'users', 'total_streams', 'avg_duration'],
  ad_performance: ['device', 'genre', 'total_ad_rev', 'impressions'],
  artist_payouts: ['artist_id', 'label_type', 'total_payout', 'total_streams'],
  daily_summary: ['event_date', 'streams', 'ad_rev', 'unique_users'],
};

export function isReportName(name: string): name is ReportName {
  return (REPORT_NAMES as readonly string[]).includes(name);
}

/** Plain string order (code units), the same for every key so ties break the same everywhere. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
