/**
 * The categorical values of the notebook's "Generate the revenue dataset" cell, in its order.
 * Order matters: the ad-rate table is every genre x device in exactly this order, and the seeded
 * draws index into these lists, so reordering changes every generated file.
 */

export const GENRES = ['Pop', 'Rock', 'Hip-Hop', 'Jazz', 'Electronic', 'R&B', 'Country', 'Classical'] as const;

export const REGIONS = ['North America', 'Europe', 'Asia Pacific', 'Latin America', 'Africa'] as const;

export const DEVICES = ['mobile', 'desktop', 'smart_speaker', 'tablet', 'car', 'tv'] as const;

export const PLANS = ['free', 'individual', 'family', 'student'] as const;

/**
 * The notebook's monthly prices [0.0, 9.99, 14.99, 4.99] as integer cents. It picks the price
 * independently of the plan, so a "free" plan can cost 14.99; that is kept on purpose.
 */
export const PRICES_CENTS = [0, 999, 1499, 499] as const;

export const COUNTRIES = ['US', 'UK', 'DE', 'JP', 'BR', 'IN', 'KR', 'FR'] as const;

export const LABELS = ['major', 'indie', 'unsigned'] as const;

/** Inclusive ranges of the notebook's numeric draws; money in integer minor units. */
export const DURATION_SEC = { min: 15, max: 350 } as const;
/** cpm: uniform 1.50..8.00, rounded to 2 decimals, held as cents. */
export const CPM_CENTS = { min: 150, max: 800 } as const;
/** per_stream_rate: uniform 0.0030..0.0080, rounded to 4 decimals, held as ten-thousandths. */
export const RATE_TEN_THOUSANDTHS = { min: 30, max: 80 } as const;
/** event_date: 2024, any month, day 1..28 so every date is valid without a calendar. */
export const EVENT_YEAR = 2024;
export const EVENT_DAY_MAX = 28;

/** The notebook's full-size table shapes. */
export const NOTEBOOK_SIZES = { events: 600_000, users: 100_000, artists: 5_000 } as const;
