import { RejectReason } from '../../errors.ts';
import { CPM_SCALE, numberToUnits, PAYOUT_SCALE, PRICE_SCALE } from './fixed-point.ts';
import { numberField, parseJsonObject, Rejection, stringField } from './rejection.ts';

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

function moneyField(fields: Record<string, unknown>, name: string, scale: number): number | Rejection {
  const value = numberField(fields, name);
  if (value instanceof Rejection) return value;
  const units = numberToUnits(value, scale);
  if (units === null) {
    return new Rejection(RejectReason.BadValue, `${name}: expected a non-negative decimal with at most ${scale} decimals, got ${value}`);
  }
  return units;
}

export function decodeSubscription(text: string): SubscriptionRecord | Rejection {
  const fields = parseJsonObject(text);
  if (fields instanceof Rejection) return fields;
  const user_id = stringField(fields, 'user_id');
  if (user_id instanceof Rejection) return user_id;
  const plan = stringField(fields, 'plan');
  if (plan instanceof Rejection) return plan;
  const monthlyPriceUnits = moneyField(fields, 'monthly_price', PRICE_SCALE);
  if (monthlyPriceUnits instanceof Rejection) return monthlyPriceUnits;
  const country = stringField(fields, 'country');
  if (country instanceof Rejection) return country;
  return { user_id, plan, monthlyPriceUnits, country };
}

export function decodeAdRate(text: string): AdRateRecord | Rejection {
  const fields = parseJsonObject(text);
  if (fields instanceof Rejection) return fields;
  const ad_genre = stringField(fields, 'ad_genre');
  if (ad_genre instanceof Rejection) return ad_genre;
  const ad_device = stringField(fields, 'ad_device');
  if (ad_device instanceof Rejection) return ad_device;
  const cpmUnits = moneyField(fields, 'cpm', CPM_SCALE);
  if (cpmUnits instanceof Rejection) return cpmUnits;
  return { ad_genre, ad_device, cpmUnits };
}

export function decodePayout(text: string): PayoutRecord | Rejection {
  const fields = parseJsonObject(text);
  if (fields instanceof Rejection) return fields;
  const artist_id = stringField(fields, 'artist_id');
  if (artist_id instanceof Rejection) return artist_id;
  const rateUnits = moneyField(fields, 'per_stream_rate', PAYOUT_SCALE);
  if (rateUnits instanceof Rejection) return rateUnits;
  const label_type = stringField(fields, 'label_type');
  if (label_type instanceof Rejection) return label_type;
  return { artist_id, rateUnits, label_type };
}

/** The key a dimension row is stored under; ad rates join on genre and device together. */
export function adRateKey(genre: string, device: string): string {
  return `${genre}\u0000${device}`;
}
