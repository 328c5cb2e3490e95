import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { buildProduceConfig, buildRunConfig, DEFAULTS, LIMITS, parseInteger, PRODUCE_ONLY_CHOICES, STRATEGY_CHOICES, type ProduceFlags, type RunFlags } from '../config.ts';
import { exitCodeFor, InternalError, StreamPulseError } from '../errors.ts';
import { LOG_LEVELS } from '../log/log-levels.ts';
import { INPUT_FORMATS } from '../sources/input-formats.ts';
import { PRODUCE_CODECS } from '../kafka/wire/compression.ts';
import { SASL_MECHANISMS } from '../kafka/security.ts';
import type { Shard } from '../workers/shard.ts';

// Parsing flags loads only commander and the configuration; each command's modules (rxjs, pino,
// kafkajs, prom-client, hyparquet...) are imported when it runs, so `--help` and a bad flag answer
// without loading them (the compiled bundle keeps each of these imports a chunk of its own).

function integer(what: string, min: number, max?: number): (text: string) => number {
  return (text) => {
    try {
      return parseInteger(text, what, min, max);
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
  };
}

/** Shared by `run` and `produce`: both wait for a broker at start, for at most this long. */
function connectTimeoutOption(): Option {
  return new Option('--connect-timeout <ms>', `milliseconds to wait for a broker at start before exiting 1 (default ${DEFAULTS.connectTimeoutMs}, env STREAMPULSE_CONNECT_TIMEOUT)`).argParser(
    integer('--connect-timeout', 100, LIMITS.timerMs),
  );
}

/** Shared by `run` and `produce`: both read files with the same readers. */
function maxRecordBytesOption(): Option {
  return new Option('--max-record-bytes <n>', `longest line or record read; longer ones are dead-lettered as too_long (default ${DEFAULTS.maxRecordBytes})`).argParser(
    integer('--max-record-bytes', 64, LIMITS.maxRecordBytes),
  );
}

/** Secured Kafka, for run and produce: the password comes from the environment or a file, never a flag (it would show in `ps`). */
function addSecurityOptions(command: Command): void {
  command
    .addOption(new Option('--sasl-mechanism <mechanism>', 'SASL mechanism (env KAFKA_SASL_MECHANISM)').choices(SASL_MECHANISMS))
    .option('--sasl-username <name>', 'SASL user (env KAFKA_SASL_USERNAME)')
    .option('--sasl-username-file <file>', 'file holding the SASL user')
    .option('--sasl-password-file <file>', 'file holding the SASL password (else env KAFKA_SASL_PASSWORD)')
    .option('--ssl', 'TLS to the brokers (env KAFKA_SSL=true)')
    .option('--ssl-ca <file>', 'PEM CA certificates to trust instead of the system ones (env KAFKA_SSL_CA)')
    .option('--ssl-cert <file>', 'PEM client certificate, for mutual TLS (env KAFKA_SSL_CERT)')
    .option('--ssl-key <file>', 'PEM client key, for mutual TLS (env KAFKA_SSL_KEY)');
}

/** Where `run` and `produce` take their records from: an input directory, or a generated dataset. */
function addInputOptions(command: Command): Command {
  return command
    .option('--input <dir>', 'directory with events, subscriptions, ad_rates, payouts (NDJSON, CSV or Parquet)')
    .option('--generate <n>', `generate n events (seeded) instead of --input (default ${DEFAULTS.events})`, integer('--generate', 0))
    .option('--seed <n>', 'seed for --generate', integer('--seed', 0, 0xffffffff))
    .option('--users <n>', 'users for --generate', integer('--users', 1, LIMITS.generatedIds))
    .option('--artists <n>', 'artists for --generate', integer('--artists', 1, LIMITS.generatedIds))
    .addOption(new Option('--format <format>', 'input format').choices(INPUT_FORMATS).default('auto'));
}

function buildProgram(): Command {
  const program = new Command('streampulse')
    .description('Live revenue reports from listening events: replay, enrich once, aggregate exactly, serve over HTTP.')
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text.split('\n')[0] + '\n') });

  program
    .command('generate')
    .description("write the notebook's dataset as NDJSON (seeded: the same flags give byte-identical files)")
    .requiredOption('--out <dir>', 'output directory')
    .option('--events <n>', 'listening events', integer('--events', 0), DEFAULTS.events)
    .option('--users <n>', 'users (subscriptions)', integer('--users', 1, LIMITS.generatedIds), DEFAULTS.users)
    .option('--artists <n>', 'artists (payout rows)', integer('--artists', 1, LIMITS.generatedIds), DEFAULTS.artists)
    .option('--seed <n>', 'random seed', integer('--seed', 0, 0xffffffff), DEFAULTS.seed)
    .option('--no-progress', 'no progress output')
    .exitOverride()
    .action(async (o: { out: string; events: number; users: number; artists: number; seed: number; progress: boolean }) => {
      const [{ generateDataset }, { Progress }] = await Promise.all([import('../generator/index.ts'), import('./progress.ts')]);
      const progress = new Progress(o.progress);
      progress.start('generating events', o.events, 'events');
      const started = performance.now();
      const result = await generateDataset({ outDir: o.out, seed: o.seed, events: o.events, users: o.users, artists: o.artists, onProgress: (n) => progress.update(n) });
      progress.stop();
      const seconds = (performance.now() - started) / 1000;
      process.stdout.write(`wrote ${Object.values(result.files).join(', ')} (${(result.bytes / 1e6).toFixed(1)} MB) in ${seconds.toFixed(2)} s\n`);
    });

  addInputOptions(
    program
      .command('run')
      .description('replay an input directory or a generated dataset through the topology and serve the reports')
      .addOption(new Option('--source <source>', 'where events come from').choices(['file', 'kafka']).default('file')),
  )
    .addOption(new Option('--strategy <strategy>', 'enrichment strategy').choices(STRATEGY_CHOICES).default('cached'))
    .option('--host <host>', 'HTTP bind address', DEFAULTS.host)
    .option('--port <port>', `HTTP port, 0 for any free one (default ${DEFAULTS.port}, env STREAMPULSE_PORT)`, integer('--port', 0, 65_535))
    .option('--allow-host <name>', 'answer HTTP for this Host name too, repeatable or comma-separated; * for any (env STREAMPULSE_ALLOW_HOSTS)', (v: string, all: string[] = []) => [...all, v])
    .option('--advertise <url>', 'the http(s) URL peers in the group reach this instance at (default: the address it binds; env STREAMPULSE_ADVERTISE)')
    .option('--once', 'exit when the input is exhausted instead of serving on')
    .option('--report-json <file>', 'write the final snapshot as JSON')
    .option('--batch-size <n>', 'records per batch', integer('--batch-size', 1, 1_000_000))
    .option('--cache-size <n>', 'decoded subscriptions held in the LRU cache', integer('--cache-size', 1, LIMITS.cacheSize))
    .option('--dead-letters <file>', 'where rejected records are appended (default <data-dir>/dead-letters.ndjson)')
    .option('--no-dead-letters', 'keep rejected records in memory only (counted, last 100 at /dead-letters)')
    .option('--data-dir <dir>', `working directory for generated data (default ${DEFAULTS.dataDir})`)
    .option('--print-rows <n>', 'rows printed per report, 0 for all', integer('--print-rows', 0), DEFAULTS.printRows)
    .option('--no-progress', 'no progress output')
    .option('--brokers <list>', 'Kafka bootstrap servers host:port[,…] (env KAFKA_BROKERS)')
    .option('--group <id>', 'Kafka consumer group (default streampulse)')
    .option('--events-topic <name>', 'events topic (default listening-events; dead letters go to <name>.dlq)')
    .option('--topic-prefix <prefix>', 'prefix for every topic name (env STREAMPULSE_TOPIC_PREFIX)')
    .option('--partitions <n>', 'partitions when creating the events topic (default 6)', integer('--partitions', 1, 10_000))
    .option('--checkpoint-interval <ms>', 'milliseconds between writes of the partitions\' states to the state topic (default 2000)', integer('--checkpoint-interval', 50, LIMITS.timerMs))
    .addOption(connectTimeoutOption())
    .addOption(maxRecordBytesOption())
    .option('--allow-empty', 'exit 0 even if a dimension table has no valid row or no event was counted')
    .option('--workers <n>', 'worker threads folding the events (a file replay: each a partition of the state; Kafka: each the partitions numbered alike modulo n); 0 folds on the main thread (default: the machine\'s cores, env STREAMPULSE_WORKERS)', integer('--workers', 0, LIMITS.workers))
    .option('--discard-checkpoint', 'ignore the partition states saved in the state topic (even invalid ones) and start every partition from offset 0')
    .exitOverride()
    .action(async (o: RunFlags) => {
      const config = buildRunConfig(o, process.env);
      // the shards start before the rest of the run loads, so both start at once
      let shards: Shard[] | undefined;
      if (config.workers > 0) {
        const [{ PUBLISH_MS, startShards }, { subscriptionsAhead }] = await Promise.all([import('../workers/shard.ts'), import('../workers/subscriptions-ahead.ts')]);
        shards = startShards(config.workers, { strategies: config.strategies, cacheSize: config.cacheSize, publishMs: PUBLISH_MS }, await subscriptionsAhead(config));
      } else (await import('../workers/shard-pool.ts')).endStarted();
      const { runCommand } = await import('./run-command.ts');
      await runCommand(config, process.stdout, shards);
    });

  addInputOptions(
    program
      .command('produce')
      .description('replay an input directory or a generated dataset into Kafka: dimension topics first, then events')
      .option('--brokers <list>', 'Kafka bootstrap servers host:port[,…] (env KAFKA_BROKERS)'),
  )
    .option('--rate <n>', 'events per second (default: as fast as the broker takes them)', integer('--rate', 0), 0)
    .option('--batch-size <n>', 'messages per send', integer('--batch-size', 1, 1_000_000))
    .addOption(new Option('--compression <codec>', 'record batch compression').choices(PRODUCE_CODECS).default('none'))
    .addOption(maxRecordBytesOption())
    .option('--dead-letters <file>', 'where records the readers reject (CSV syntax, over-long lines) are appended (default <data-dir>/produce-dead-letters.ndjson)')
    .option('--no-dead-letters', 'count rejected records only')
    .addOption(new Option('--only <tables>', 'replay only the dimension tables or only the events (default: both, dimensions first)').choices(PRODUCE_ONLY_CHOICES))
    .option('--events-topic <name>', 'events topic (default listening-events)')
    .option('--topic-prefix <prefix>', 'prefix for every topic name (env STREAMPULSE_TOPIC_PREFIX)')
    .option('--partitions <n>', 'partitions when creating the events topic (default 6)', integer('--partitions', 1, 10_000))
    .addOption(connectTimeoutOption())
    .option('--data-dir <dir>', `working directory for generated data (default ${DEFAULTS.dataDir})`)
    .option('--no-progress', 'no progress output')
    .exitOverride()
    .action(async (o: ProduceFlags) => {
      const config = buildProduceConfig(o, process.env);
      const { produceCommand } = await import('./produce-command.ts');
      await produceCommand(config);
    });

  for (const command of program.commands.filter((c) => c.name() === 'run' || c.name() === 'produce')) {
    addSecurityOptions(command);
    command.addOption(new Option('--log-level <level>', 'lowest level logged: JSON lines off a terminal, readable on one (env STREAMPULSE_LOG_LEVEL)').choices(LOG_LEVELS).default(undefined, 'info'));
  }
  return program;
}

/**
 * What a failed command prints: a StreamPulse error is the user's to act on, so its message and
 * code, no stack; anything else is a bug in StreamPulse and keeps its stack for the report.
 */
export function describeFailure(error: unknown): string {
  if (error instanceof StreamPulseError && !(error instanceof InternalError)) return `streampulse: ${error.message} [${error.code}]`;
  return `streampulse: internal error, please report: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // help and version exit 0; every usage error exits 2 with commander's one line already printed
      return error.exitCode === 0 ? 0 : 2;
    }
    process.stderr.write(describeFailure(error) + '\n');
    return exitCodeFor(error);
  }
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (invokedDirectly) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
