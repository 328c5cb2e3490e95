import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { UsageError } from './errors.ts';
import { LOG_LEVELS, type LogLevel } from './log/log-levels.ts';
import { DEFAULT_MAX_RECORD_BYTES } from './sources/record-limit.ts';
import type { Strategy } from './domain/run-progress.ts';
import { defaultTopics, type TopicConfig } from './kafka/topic-names.ts';
import { INPUT_FORMATS, type InputFormat } from './sources/input-formats.ts';
import { codecAvailable, PRODUCE_CODECS } from './kafka/wire/compression.ts';
import { normalizeHostName } from './http/host-allow-list.ts';
import { buildKafkaSecurity, type KafkaSecurity, type SecurityFlags } from './kafka/security.ts';

export type ProduceCodec = (typeof PRODUCE_CODECS)[number];

/**
 * The one place configuration is built: command-line flags first, then STREAMPULSE_* environment
 * variables, then defaults. The result is frozen; nothing else reads process.env.
 */
export type StrategyChoice = Strategy | 'both';
export const STRATEGY_CHOICES: readonly StrategyChoice[] = ['cached', 'naive', 'both'];

export interface DatasetConfig {
  readonly seed: number;
  readonly events: number;
  readonly users: number;
  readonly artists: number;
}

export interface KafkaConfig {
  readonly brokers: readonly string[];
  readonly groupId: string;
  readonly topics: TopicConfig;
  /** Milliseconds between background writes of the changed partitions' states. */
  readonly checkpointIntervalMs: number;
  /** How long a run waits for a broker at start before it exits 1. */
  readonly connectTimeoutMs: number;
  /** SASL and TLS; the password is a Secret, "[redacted]" when logged or stringified. */
  readonly security: KafkaSecurity;
}

export interface RunConfig {
  readonly source: 'file' | 'kafka';
  readonly kafka: KafkaConfig | null;
  readonly input: string | null;
  readonly generate: DatasetConfig | null;
  readonly format: InputFormat | 'auto';
  readonly strategies: readonly Strategy[];
  readonly host: string;
  readonly port: number;
  /** Host names the HTTP server answers besides loopback and the bind host; `*` for any. */
  readonly allowHosts: readonly string[];
  /** The URL peers reach this instance's HTTP server at; null for the address it binds. */
  readonly advertise: string | null;
  readonly once: boolean;
  readonly reportJson: string | null;
  readonly batchSize: number;
  readonly cacheSize: number;
  readonly deadLetters: string | null;
  readonly dataDir: string;
  readonly printRows: number;
  readonly progress: boolean;
  readonly logLevel: LogLevel;
  /** Longest line (NDJSON) or record (CSV) read; a longer one is dead-lettered as too_long. */
  readonly maxRecordBytes: number;
  /** Accept a run with an empty dimension table or no event counted (exit 0 instead of 1). */
  readonly allowEmpty: boolean;
  /** Ignore the partition states saved in the state topic and start every partition over. */
  readonly discardCheckpoint: boolean;
  /** Worker threads folding a file replay, each a partition of the state; 0 folds on the main thread. */
  readonly workers: number;
}

export interface KafkaFlags extends SecurityFlags {
  brokers?: string;
  group?: string;
  eventsTopic?: string;
  topicPrefix?: string;
  partitions?: number;
  checkpointInterval?: number;
  connectTimeout?: number;
}

export interface RunFlags extends KafkaFlags {
  source?: string;
  input?: string;
  generate?: number;
  seed?: number;
  users?: number;
  artists?: number;
  format?: string;
  strategy?: string;
  host?: string;
  port?: number;
  allowHost?: readonly string[];
  advertise?: string;
  once?: boolean;
  reportJson?: string;
  batchSize?: number;
  cacheSize?: number;
  deadLetters?: string | false;
  dataDir?: string;
  printRows?: number;
  progress?: boolean;
  logLevel?: string;
  maxRecordBytes?: number;
  allowEmpty?: boolean;
  discardCheckpoint?: boolean;
  workers?: number;
}

export const DEFAULTS = Object.freeze({
  seed: 42,
  events: 600_000,
  users: 100_000,
  artists: 5_000,
  host: '127.0.0.1',
  port: 8080,
  batchSize: 8_192,
  cacheSize: 131_072,
  dataDir: '.streampulse',
  printRows: 10,
  connectTimeoutMs: 60_000,
  maxRecordBytes: DEFAULT_MAX_RECORD_BYTES,
});

/**
 * Upper limits of integer flags, where a larger value would throw later or allocate absurdly.
 * lru-cache preallocates two arrays of `max` slots and two typed arrays at construction (about 24
 * bytes a slot) and its hard limit is 2^32 - 1 (a JavaScript array length; 2^32 throws a
 * RangeError), but a few GB of slots go long before that, so the cache stops at 2^24 entries.
 * The generator draws users and artists from 32-bit words (at most 2^32 of each). A record is
 * decoded as one string, so it stays well below V8's string limit (2^29 - 24 characters).
 */
export const LIMITS = Object.freeze({
  /** Worker threads: more shards than cores only adds copies of the dimension tables. */
  workers: 256,
  cacheSize: 16_777_216,
  generatedIds: 4_294_967_296,
  maxRecordBytes: 268_435_456,
  /** The longest delay a Node timer takes; beyond it setTimeout fires at once. */
  timerMs: 2 ** 31 - 1,
});

function badFlag(message: string): UsageError {
  return new UsageError(message);
}

/** A whole number within [min, max]; used for flags and environment values alike. */
export function parseInteger(text: string, what: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const value = /^\d+$/.test(text.replace(/_/g, '')) ? Number(text.replace(/_/g, '')) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw badFlag(`${what} must be a whole number from ${min} to ${max}, got ${JSON.stringify(text)}`);
  }
  return value;
}

function envInteger(env: NodeJS.ProcessEnv, name: string, min: number, max?: number): number | undefined {
  const text = env[name];
  return text === undefined || text === '' ? undefined : parseInteger(text, name, min, max);
}

export function logLevelOf(text: string): LogLevel {
  if (!(LOG_LEVELS as readonly string[]).includes(text)) throw badFlag(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(text)}`);
  return text as LogLevel;
}

export function strategiesOf(choice: string): readonly Strategy[] {
  if (!(STRATEGY_CHOICES as readonly string[]).includes(choice)) {
    throw badFlag(`--strategy must be one of ${STRATEGY_CHOICES.join(', ')}, got ${JSON.stringify(choice)}`);
  }
  return choice === 'both' ? ['cached', 'naive'] : [choice as Strategy];
}

/** Kafka settings from flags and KAFKA_BROKERS / STREAMPULSE_GROUP. */
export function buildKafkaConfig(flags: KafkaFlags, env: NodeJS.ProcessEnv): KafkaConfig {
  const brokers = (flags.brokers ?? env.KAFKA_BROKERS ?? '').split(',').map((b) => b.trim()).filter((b) => b !== '');
  if (brokers.length === 0) throw badFlag('--source kafka needs --brokers host:port[,…] (or KAFKA_BROKERS)');
  for (const broker of brokers) if (!/^[^\s:]+:\d{1,5}$/.test(broker)) throw badFlag(`--brokers: ${JSON.stringify(broker)} is not host:port`);
  const groupId = flags.group ?? env.STREAMPULSE_GROUP ?? 'streampulse';
  const topics = defaultTopics({ events: flags.eventsTopic, partitions: flags.partitions }, flags.topicPrefix ?? env.STREAMPULSE_TOPIC_PREFIX ?? '');
  return Object.freeze({
    brokers: Object.freeze(brokers),
    groupId,
    topics: Object.freeze(topics),
    checkpointIntervalMs: flags.checkpointInterval ?? 2_000,
    connectTimeoutMs: flags.connectTimeout ?? envInteger(env, 'STREAMPULSE_CONNECT_TIMEOUT', 100, LIMITS.timerMs) ?? DEFAULTS.connectTimeoutMs,
    security: buildKafkaSecurity(flags, env),
  });
}

/** --allow-host names (each may be a comma-separated list), else STREAMPULSE_ALLOW_HOSTS; normalized. */
function withAdvertised(hosts: readonly string[], advertise: string | null): readonly string[] {
  if (advertise === null) return hosts;
  const name = normalizeHostName(new URL(advertise).hostname);
  return name === null || hosts.includes(name) ? hosts : Object.freeze([...hosts, name]);
}

export function allowHostsOf(flags: readonly string[] | undefined, env: NodeJS.ProcessEnv): readonly string[] {
  const texts = (flags ?? [env.STREAMPULSE_ALLOW_HOSTS ?? '']).flatMap((t) => t.split(',')).map((t) => t.trim()).filter((t) => t !== '');
  return Object.freeze(
    texts.map((text) => {
      const name = normalizeHostName(text);
      if (name === null) throw badFlag(`--allow-host takes a host name without port, an IP address, *.domain or *, got ${JSON.stringify(text)}`);
      return name;
    }),
  );
}

/** --advertise (else STREAMPULSE_ADVERTISE): an http(s) URL with a host, no credentials, query or fragment. */
export function advertiseOf(text: string | undefined): string | null {
  if (text === undefined || text === '') return null;
  const url = URL.canParse(text) ? new URL(text) : null;
  if (url === null || !['http:', 'https:'].includes(url.protocol) || url.hostname === '' || url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw badFlag(`--advertise takes the http(s) URL peers reach this instance at, e.g. http://10.0.0.7:8080, got ${JSON.stringify(text)}`);
  }
  return url.href.replace(/\/+$/, '');
}

export function buildRunConfig(flags: RunFlags, env: NodeJS.ProcessEnv = {}): RunConfig {
  const source = flags.source ?? 'file';
  if (source !== 'file' && source !== 'kafka') throw badFlag(`--source must be file or kafka, got ${JSON.stringify(source)}`);
  if (source === 'kafka' && (flags.input !== undefined || flags.generate !== undefined)) {
    throw badFlag('--source kafka reads topics; replay files into them with `streampulse produce`');
  }
  if (flags.input !== undefined && flags.generate !== undefined) throw badFlag('--input and --generate exclude each other');
  const format = flags.format ?? 'auto';
  if (!(INPUT_FORMATS as readonly string[]).includes(format)) {
    throw badFlag(`--format must be one of ${INPUT_FORMATS.join(', ')}, got ${JSON.stringify(format)}`);
  }
  const dataDir = flags.dataDir ?? env.STREAMPULSE_DATA_DIR ?? DEFAULTS.dataDir;
  const generate =
    flags.input === undefined && source === 'file'
      ? {
          seed: flags.seed ?? DEFAULTS.seed,
          events: flags.generate ?? DEFAULTS.events,
          users: flags.users ?? DEFAULTS.users,
          artists: flags.artists ?? DEFAULTS.artists,
        }
      : null;
  const advertise = advertiseOf(flags.advertise ?? env.STREAMPULSE_ADVERTISE);
  return Object.freeze({
    source,
    kafka: source === 'kafka' ? buildKafkaConfig(flags, env) : null,
    input: flags.input ?? null,
    generate: generate === null ? null : Object.freeze(generate),
    format: format as InputFormat | 'auto',
    strategies: Object.freeze([...strategiesOf(flags.strategy ?? 'cached')]),
    host: flags.host ?? env.STREAMPULSE_HOST ?? DEFAULTS.host,
    port: flags.port ?? envInteger(env, 'STREAMPULSE_PORT', 0, 65_535) ?? DEFAULTS.port,
    // peers call this instance by the name it advertises: that name is answered too
    allowHosts: withAdvertised(allowHostsOf(flags.allowHost, env), advertise),
    advertise,
    once: flags.once ?? false,
    reportJson: flags.reportJson ?? null,
    batchSize: flags.batchSize ?? envInteger(env, 'STREAMPULSE_BATCH_SIZE', 1) ?? DEFAULTS.batchSize,
    cacheSize: flags.cacheSize ?? envInteger(env, 'STREAMPULSE_CACHE_SIZE', 1, LIMITS.cacheSize) ?? DEFAULTS.cacheSize,
    deadLetters: flags.deadLetters === false ? null : (flags.deadLetters ?? join(dataDir, 'dead-letters.ndjson')),
    dataDir,
    printRows: flags.printRows ?? DEFAULTS.printRows,
    progress: flags.progress ?? true,
    logLevel: logLevelOf(flags.logLevel ?? env.STREAMPULSE_LOG_LEVEL ?? 'info'),
    maxRecordBytes: flags.maxRecordBytes ?? DEFAULTS.maxRecordBytes,
    allowEmpty: flags.allowEmpty ?? false,
    discardCheckpoint: flags.discardCheckpoint ?? false,
    workers: flags.workers ?? envInteger(env, 'STREAMPULSE_WORKERS', 0, LIMITS.workers) ?? availableParallelism(),
  });
}

export interface ProduceConfig {
  readonly kafka: KafkaConfig;
  readonly input: string | null;
  readonly generate: DatasetConfig | null;
  readonly format: InputFormat | 'auto';
  readonly rate: number;
  readonly batchSize: number;
  readonly compression: ProduceCodec;
  /** Replay only the dimension tables or only the events; both (dimensions first) by default. */
  readonly only: 'dimensions' | 'events' | null;
  readonly dataDir: string;
  readonly progress: boolean;
  readonly maxRecordBytes: number;
  readonly logLevel: LogLevel;
  /** Where records the readers reject go (never produced); null keeps them counted only. */
  readonly deadLetters: string | null;
}

export const PRODUCE_ONLY_CHOICES = ['dimensions', 'events'] as const;

export interface ProduceFlags extends KafkaFlags {
  input?: string;
  generate?: number;
  seed?: number;
  users?: number;
  artists?: number;
  format?: string;
  rate?: number;
  batchSize?: number;
  compression?: string;
  only?: string;
  dataDir?: string;
  progress?: boolean;
  maxRecordBytes?: number;
  deadLetters?: string | false;
  logLevel?: string;
}

export function buildProduceConfig(flags: ProduceFlags, env: NodeJS.ProcessEnv = {}): ProduceConfig {
  const run = buildRunConfig({ input: flags.input, generate: flags.generate, seed: flags.seed, users: flags.users, artists: flags.artists, format: flags.format, dataDir: flags.dataDir }, env);
  const compression = flags.compression ?? 'none';
  if (!(PRODUCE_CODECS as readonly string[]).includes(compression)) throw badFlag(`--compression must be one of ${PRODUCE_CODECS.join(', ')}, got ${JSON.stringify(compression)}`);
  if (!codecAvailable(compression as ProduceCodec)) throw badFlag(`--compression ${compression} needs an optional package that is not installed here`);
  const only = flags.only ?? null;
  if (only !== null && !(PRODUCE_ONLY_CHOICES as readonly string[]).includes(only)) throw badFlag(`--only must be one of ${PRODUCE_ONLY_CHOICES.join(', ')}, got ${JSON.stringify(only)}`);
  return Object.freeze({
    kafka: buildKafkaConfig(flags, env),
    input: run.input,
    generate: run.generate,
    format: run.format,
    rate: flags.rate ?? 0,
    batchSize: flags.batchSize ?? 10_000,
    compression: compression as ProduceCodec,
    only: only as ProduceConfig['only'],
    dataDir: run.dataDir,
    progress: flags.progress ?? true,
    maxRecordBytes: flags.maxRecordBytes ?? DEFAULTS.maxRecordBytes,
    logLevel: logLevelOf(flags.logLevel ?? env.STREAMPULSE_LOG_LEVEL ?? 'info'),
    deadLetters: flags.deadLetters === false ? null : (flags.deadLetters ?? join(run.dataDir, 'produce-dead-letters.ndjson')),
  });
}

/** Where a generated dataset is cached, so `npm start` generates the reference data only once. */
export function datasetDir(dataDir: string, d: DatasetConfig): string {
  return join(dataDir, 'data', `seed-${d.seed}-events-${d.events}-users-${d.users}-artists-${d.artists}`);
}
