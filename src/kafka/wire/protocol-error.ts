import { StreamPulseError } from '../../errors.ts';

/**
 * Kafka's error codes, as data: each is named and marked retriable or not, as the protocol's own
 * error table does; the producer, fetcher and group member decide on `retriable` and `refresh`,
 * never on a message.
 */
interface ErrorSpec {
  readonly name: string;
  readonly retriable: boolean;
  /** The client's view of leaders or the coordinator is stale: refresh it before retrying. */
  readonly refresh?: boolean;
}

const SPECS: Record<number, ErrorSpec> = {
  [-1]: { name: 'UNKNOWN_SERVER_ERROR', retriable: false },
  1: { name: 'OFFSET_OUT_OF_RANGE', retriable: false },
  2: { name: 'CORRUPT_MESSAGE', retriable: true },
  3: { name: 'UNKNOWN_TOPIC_OR_PARTITION', retriable: true, refresh: true },
  5: { name: 'LEADER_NOT_AVAILABLE', retriable: true, refresh: true },
  6: { name: 'NOT_LEADER_OR_FOLLOWER', retriable: true, refresh: true },
  7: { name: 'REQUEST_TIMED_OUT', retriable: true },
  10: { name: 'MESSAGE_TOO_LARGE', retriable: false },
  13: { name: 'NETWORK_EXCEPTION', retriable: true, refresh: true },
  14: { name: 'COORDINATOR_LOAD_IN_PROGRESS', retriable: true },
  15: { name: 'COORDINATOR_NOT_AVAILABLE', retriable: true, refresh: true },
  16: { name: 'NOT_COORDINATOR', retriable: true, refresh: true },
  17: { name: 'INVALID_TOPIC_EXCEPTION', retriable: false },
  18: { name: 'RECORD_LIST_TOO_LARGE', retriable: false },
  19: { name: 'NOT_ENOUGH_REPLICAS', retriable: true },
  20: { name: 'NOT_ENOUGH_REPLICAS_AFTER_APPEND', retriable: true },
  22: { name: 'ILLEGAL_GENERATION', retriable: false },
  25: { name: 'UNKNOWN_MEMBER_ID', retriable: false },
  26: { name: 'INVALID_SESSION_TIMEOUT', retriable: false },
  27: { name: 'REBALANCE_IN_PROGRESS', retriable: false },
  29: { name: 'TOPIC_AUTHORIZATION_FAILED', retriable: false },
  30: { name: 'GROUP_AUTHORIZATION_FAILED', retriable: false },
  31: { name: 'CLUSTER_AUTHORIZATION_FAILED', retriable: false },
  33: { name: 'UNSUPPORTED_SASL_MECHANISM', retriable: false },
  34: { name: 'ILLEGAL_SASL_STATE', retriable: false },
  35: { name: 'UNSUPPORTED_VERSION', retriable: false },
  36: { name: 'TOPIC_ALREADY_EXISTS', retriable: false },
  41: { name: 'NOT_CONTROLLER', retriable: true, refresh: true },
  45: { name: 'OUT_OF_ORDER_SEQUENCE_NUMBER', retriable: false },
  46: { name: 'DUPLICATE_SEQUENCE_NUMBER', retriable: false },
  47: { name: 'INVALID_PRODUCER_EPOCH', retriable: false },
  51: { name: 'CONCURRENT_TRANSACTIONS', retriable: true },
  56: { name: 'KAFKA_STORAGE_ERROR', retriable: true, refresh: true },
  58: { name: 'SASL_AUTHENTICATION_FAILED', retriable: false },
  59: { name: 'UNKNOWN_PRODUCER_ID', retriable: false },
  72: { name: 'LISTENER_NOT_FOUND', retriable: true, refresh: true },
  74: { name: 'FENCED_LEADER_EPOCH', retriable: true, refresh: true },
  75: { name: 'UNKNOWN_LEADER_EPOCH', retriable: true, refresh: true },
  78: { name: 'OFFSET_NOT_AVAILABLE', retriable: true },
  79: { name: 'MEMBER_ID_REQUIRED', retriable: false },
  82: { name: 'FENCED_INSTANCE_ID', retriable: false },
  87: { name: 'INVALID_RECORD', retriable: false },
  89: { name: 'THROTTLING_QUOTA_EXCEEDED', retriable: true },
};

export const KafkaErrorCode = {
  None: 0,
  OffsetOutOfRange: 1,
  NotLeader: 6,
  RebalanceInProgress: 27,
  IllegalGeneration: 22,
  UnknownMemberId: 25,
  OutOfOrderSequence: 45,
  DuplicateSequence: 46,
  MemberIdRequired: 79,
  TopicAlreadyExists: 36,
} as const;

/** Kafka's name for an error code. */
export function kafkaErrorName(code: number): string {
  return SPECS[code]?.name ?? `KAFKA_ERROR_${code}`;
}

/** A broker answered with an error code; whether to retry is Kafka's own verdict for that code. */
export class KafkaProtocolError extends StreamPulseError {
  static override readonly code = 'SP_KAFKA_PROTOCOL';
  readonly refresh: boolean;
  readonly type: string;

  constructor(
    readonly kafkaCode: number,
    readonly context: string,
  ) {
    const spec = SPECS[kafkaCode] ?? { name: `KAFKA_ERROR_${kafkaCode}`, retriable: false };
    super(`${context}: ${spec.name} (Kafka error ${kafkaCode})`, { canRetry: spec.retriable });
    this.type = spec.name;
    this.refresh = spec.refresh === true;
  }
}

/**
 * The connection to a broker broke or a request timed out: always retriable, after the
 * connection is made again.
 */
export class KafkaConnectionError extends StreamPulseError {
  static override readonly code = 'SP_KAFKA_CONNECTION';
  static override readonly canRetry = true;
  readonly refresh = true;
}

export function isRetriable(error: unknown): boolean {
  return (error instanceof KafkaProtocolError || error instanceof KafkaConnectionError) && error.canRetry;
}

/** Whether the client's view of leaders or of the coordinator must be refreshed before a retry. */
export function needsRefresh(error: unknown): boolean {
  return (error instanceof KafkaProtocolError || error instanceof KafkaConnectionError) && error.refresh;
}

/** Fetched bytes that are not a record batch this client reads (old message format, unknown codec). */
export class RecordBatchFormatError extends StreamPulseError {
  static override readonly code = 'SP_KAFKA_RECORD_FORMAT';
}
