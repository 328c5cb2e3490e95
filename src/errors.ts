/**
 * Errors as data, one class per code (as platformatic/kafka does): each class carries its
 * `static code`, the exit status it ends a command with and whether trying again can help.
 * Retry, dead-letter and exit decisions read these, never a message.
 */
export interface StreamPulseErrorOptions {
  readonly cause?: unknown;
  /** Overrides the class's retry verdict for one instance (Kafka's error table does this per code). */
  readonly canRetry?: boolean;
}

export class StreamPulseError extends Error {
  static readonly code: string = 'SP_ERROR';
  /** The process exit status when this error ends a command: 2 usage, 1 everything else. */
  static readonly exitCode: number = 1;
  /** Whether the same operation may succeed if tried again (a broker back, a leader elected). */
  static readonly canRetry: boolean = false;

  readonly code: string;
  readonly exitCode: number;
  readonly canRetry: boolean;

  constructor(message: string, options: StreamPulseErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const type = new.target as typeof StreamPulseError;
    this.name = type.name;
    this.code = type.code;
    this.exitCode = type.exitCode;
    this.canRetry = options.canRetry ?? type.canRetry;
  }
}

/** A command-line flag or environment value is invalid. */
export class UsageError extends StreamPulseError {
  static override readonly code = 'SP_USAGE';
  static override readonly exitCode = 2;
}

/** An input folder or file is missing, unreadable, malformed or of an unknown format. */
export class InputError extends StreamPulseError {
  static override readonly code = 'SP_INPUT';
}

/** A dimension table could not be used (no valid rows). */
export class DimensionError extends StreamPulseError {
  static override readonly code = 'SP_DIMENSION';
}

/** Events were read but none was counted into the reports: the input is not what it claims. */
export class NothingCountedError extends StreamPulseError {
  static override readonly code = 'SP_NOTHING_COUNTED';
}

/** A checkpoint file is unreadable, of another group or topic, or fails validation. */
export class CheckpointError extends StreamPulseError {
  static override readonly code = 'SP_CHECKPOINT';
}

/** An I/O failure at the edge: a file that cannot be written, a port that cannot be bound. */
export class IoError extends StreamPulseError {
  static override readonly code = 'SP_IO';
}

/** No broker answered within the connect timeout. */
export class KafkaUnavailableError extends StreamPulseError {
  static override readonly code = 'SP_KAFKA_UNAVAILABLE';
  static override readonly canRetry = true;
}

/** The source stopped for good (a fatal consumer error): the run cannot complete. */
export class SourceFailedError extends StreamPulseError {
  static override readonly code = 'SP_SOURCE_FAILED';
}

/** Some dead letters could not be written anywhere durable. */
export class DeadLetterError extends StreamPulseError {
  static override readonly code = 'SP_DEAD_LETTER';
  static override readonly canRetry = true;
}

/** A run finished, but something it had to keep (dead letters, a checkpoint) was not written. */
export class IncompleteRunError extends StreamPulseError {
  static override readonly code = 'SP_INCOMPLETE_RUN';
}

/** The broker refused the credentials (SASL) or the mechanism: trying again cannot help. */
export class KafkaAuthError extends StreamPulseError {
  static override readonly code = 'SP_KAFKA_AUTH';
}

/** The state topic could not be written or read (the broker failed or refused); the previous state is intact. */
export class StateStoreError extends StreamPulseError {
  static override readonly code = 'SP_STATE_STORE';
}

/** A peer instance did not give its partitions' partial reports: unreachable, too slow, or a bad answer. */
export class PeerError extends StreamPulseError {
  static override readonly code = 'SP_PEER';
  static override readonly canRetry = true;
}

/** A broken invariant inside StreamPulse: a bug, reported with its stack. */
export class InternalError extends StreamPulseError {
  static override readonly code = 'SP_INTERNAL';
}

const CLASSES: readonly (typeof StreamPulseError)[] = [
  UsageError,
  InputError,
  DimensionError,
  NothingCountedError,
  CheckpointError,
  IoError,
  KafkaUnavailableError,
  SourceFailedError,
  DeadLetterError,
  IncompleteRunError,
  KafkaAuthError,
  StateStoreError,
  PeerError,
  InternalError,
];

/** An error as data that crosses a thread or process boundary: its code and message. */
export interface ErrorData {
  readonly code: string;
  readonly message: string;
}

export function errorToData(error: unknown): ErrorData {
  if (error instanceof StreamPulseError) return { code: error.code, message: error.message };
  return { code: InternalError.code, message: error instanceof Error ? (error.stack ?? error.message) : String(error) };
}

/** The error of that code again, so exit and retry decisions on this side read the same code. */
export function errorFromData(data: ErrorData, prefix = ''): StreamPulseError {
  const type = CLASSES.find((c) => c.code === data.code) ?? InternalError;
  return new type(prefix + data.message);
}

/** Exit status for an error: its class's, 1 for anything that is not a StreamPulseError. */
export function exitCodeFor(error: unknown): number {
  return error instanceof StreamPulseError ? error.exitCode : 1;
}

/** Whether trying the same operation again can help, read from the error's class. */
export function canRetry(error: unknown): boolean {
  return error instanceof StreamPulseError && error.canRetry;
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
  /** CSV syntax: an unterminated quoted field, or a row with the wrong number of fields. */
  BadCsv: 'bad_csv',
  /** A line or record over --max-record-bytes: kept by reference (file, offset, length), not text. */
  TooLong: 'too_long',
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
