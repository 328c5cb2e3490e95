/**
 * Every error StreamPulse raises carries a named code; retry and dead-letter decisions read the
 * code, never the message.
 */
export const ErrorCode = {
  /** A command-line flag or environment value is invalid: exit 2. */
  BadFlag: 'BAD_FLAG',
  /** An input directory or file is missing or of an unknown format. */
  BadInput: 'BAD_INPUT',
  /** A dimension table could not be loaded (missing file, no valid rows). */
  BadDimension: 'BAD_DIMENSION',
  /** An I/O failure at the edge (file read, HTTP bind). */
  Io: 'IO',
  /** A broken invariant inside StreamPulse: a bug. */
  Internal: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class StreamPulseError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StreamPulseError';
    this.code = code;
  }
}

/** Exit status for an error: bad flags are a usage error (2), everything else 1. */
export function exitCodeFor(error: unknown): number {
  return error instanceof StreamPulseError && error.code === ErrorCode.BadFlag ? 2 : 1;
}

/**
 * Why a record was rejected at the edge (never counted, kept as a dead letter). The set is closed:
 * metrics label by it, so its size must stay bounded.
 */
export const RejectReason = {
  NotJson: 'not_json',
  NotObject: 'not_object',
  MissingField: 'missing_field',
  WrongType: 'wrong_type',
  BadValue: 'bad_value',
  BadDate: 'bad_date',
} as const;
export type RejectReason = (typeof RejectReason)[keyof typeof RejectReason];

/** Why a valid event found no partner in the inner joins (counted, not in any report). */
export const UnmatchedReason = {
  NoSubscription: 'no_subscription',
  NoAdRate: 'no_ad_rate',
  NoPayout: 'no_payout',
} as const;
export type UnmatchedReason = (typeof UnmatchedReason)[keyof typeof UnmatchedReason];

export const REJECT_REASONS: readonly RejectReason[] = Object.values(RejectReason);
export const UNMATCHED_REASONS: readonly UnmatchedReason[] = Object.values(UnmatchedReason);
