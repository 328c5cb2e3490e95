import { decodeFields } from './field-decoder.ts';
import { Rejection } from './rejection.ts';
import { AD_RATE_FIELDS, PAYOUT_FIELDS, SUBSCRIPTION_FIELDS, type RecordOf } from './schema.ts';

export interface SubscriptionRecord {
  readonly user_id: string;
  readonly plan: string;
  /** monthly_price in units of PRICE_SCALE. */
  readonly monthlyPriceUnits: number;
  readonly country: string;
}

export interface AdRateRecord {
  readonly ad_genre: string;
  readonly ad_device: string;
  /** cpm in units of CPM_SCALE. */
  readonly cpmUnits: number;
}

export interface PayoutRecord {
  readonly artist_id: string;
  /** per_stream_rate in units of PAYOUT_SCALE. */
  readonly rateUnits: number;
  readonly label_type: string;
}

/** Dimension rows as the tables keep them: money fields renamed for their units. */
export function decodeSubscription(text: string): SubscriptionRecord | Rejection {
  const row = decodeFields(SUBSCRIPTION_FIELDS, text, null);
  return row instanceof Rejection ? row : subscriptionOf(row);
}

export function decodeAdRate(text: string): AdRateRecord | Rejection {
  const row = decodeFields(AD_RATE_FIELDS, text, null);
  return row instanceof Rejection ? row : adRateOf(row);
}

export function decodePayout(text: string): PayoutRecord | Rejection {
  const row = decodeFields(PAYOUT_FIELDS, text, null);
  return row instanceof Rejection ? row : payoutOf(row);
}

/** The renaming alone, for rows the field scanner read (field-scanner.ts). */
export function subscriptionOf(row: RecordOf<typeof SUBSCRIPTION_FIELDS>): SubscriptionRecord {
  return { user_id: row.user_id, plan: row.plan, monthlyPriceUnits: row.monthly_price, country: row.country };
}

export function adRateOf(row: RecordOf<typeof AD_RATE_FIELDS>): AdRateRecord {
  return { ad_genre: row.ad_genre, ad_device: row.ad_device, cpmUnits: row.cpm };
}

export function payoutOf(row: RecordOf<typeof PAYOUT_FIELDS>): PayoutRecord {
  return { artist_id: row.artist_id, rateUnits: row.per_stream_rate, label_type: row.label_type };
}

/** The key a dimension row is stored under; ad rates join on genre and device together. */
export function adRateKey(genre: string, device: string): string {
  return `${genre}\u0000${device}`;
}
