import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { replayToKafka } from '../../producers/replay-producer.ts';
import { defaultTopics, type TopicConfig } from '../../src/kafka/topics.ts';
import type { Codec } from '../../src/kafka/wire/index.ts';
import { Pipeline } from '../../src/pipeline.ts';
import type { InputLayout } from '../../src/sources/input-dir.ts';
import { KafkaSource } from '../../src/sources/kafka-source.ts';
import { measure } from '../compare/process-tree.ts';

const BIN = join(import.meta.dirname, '../../bin/streampulse.js');
const log = (line: string): void => void process.stderr.write(line + '\n');
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

export const freshTopics = (): TopicConfig & { prefix: string } => {
  const prefix = `bench-${randomUUID().slice(0, 8)}.`;
  return { ...defaultTopics({}, prefix), prefix };
};

export interface ProduceRun {
  /** Events over the events phase, as `streampulse produce` reports it. */
  readonly eventsPerSecond: number;
  /** Events over the whole process: Node start-up, topics, dimension topics, events. */
  readonly wholeProcessPerSecond: number;
  readonly wallSeconds: number;
  readonly peakRssMb: number;
}

/** `streampulse produce` as a user runs it, in its own process. */
export async function produceProcess(brokers: string, dir: string, prefix: string, codec: Codec, events: number, only?: 'events'): Promise<ProduceRun> {
  const args = [BIN, 'produce', '--input', dir, '--brokers', brokers, '--topic-prefix', prefix, '--compression', codec, '--no-progress'];
  if (only !== undefined) args.push('--only', only);
  const run = await measure(process.execPath, args);
  const match = /produced ([\d,]+) events .* ([\d,]+) events\/s/.exec(run.stdout);
  if (run.status !== 0 || match === null) throw new Error(`streampulse produce exited ${run.status}: ${run.stderr.slice(-400)}`);
  if (Number(match[1].replace(/,/g, '')) !== events) throw new Error(`streampulse produce sent ${match[1]} events, expected ${fmt(events)}`);
  return { eventsPerSecond: Number(match[2].replace(/,/g, '')), wholeProcessPerSecond: events / run.seconds, wallSeconds: run.seconds, peakRssMb: run.peakRssMb };
}

/** Consumes a full events topic into the six reports; events/s from the first batch to the last. */
export async function consumeIntoReports(brokers: string, topics: TopicConfig): Promise<{ eventsPerSecond: number; reports: string }> {
  const source = new KafkaSource({ brokers: [brokers], topics, groupId: `bench-${randomUUID()}`, once: true, batchSize: 8_192, log });
  const pipeline = new Pipeline({ strategies: ['cached'], cacheSize: 131_072 });
  let first = 0;
  let firstEvents = 0;
  await pipeline.run(source, () => {
    if (first === 0) {
      first = performance.now();
      firstEvents = pipeline.progress.eventsReadTotal;
    }
  });
  const seconds = (performance.now() - first) / 1000;
  await source.stop();
  return { eventsPerSecond: (pipeline.progress.eventsReadTotal - firstEvents) / seconds, reports: JSON.stringify(pipeline.snapshot().reports) };
}

/**
 * `streampulse produce --only events` in its own process (as a user runs it beside `run`) while the
 * pipeline consumes, on one broker and two cores: from the first event the pipeline reads until
 * the reports include the last one, with consumer lag sampled every second. The dimension topics
 * are filled first, and the group joined, as a running pipeline has them behind it.
 */
export async function endToEnd(brokers: string, dir: string, layout: InputLayout, events: number): Promise<{ eventsPerSecond: number; lag: string[]; produceEventsPerSecond: number; reports: string }> {
  const topics = freshTopics();
  await replayToKafka({ brokers: [brokers], topics, layout, batchSize: 10_000, rate: 0, compression: 'none', log, only: 'dimensions' });
  const source = new KafkaSource({ brokers: [brokers], topics, groupId: `bench-${randomUUID()}`, once: false, batchSize: 8_192, log });
  const pipeline = new Pipeline({ strategies: ['cached'], cacheSize: 131_072 });
  const running = pipeline.run(source);
  while (source.assignedPartitions().length === 0) await new Promise((r) => setTimeout(r, 5));
  const producing = produceProcess(brokers, dir, topics.prefix, 'none', events, 'events');
  while (pipeline.progress.eventsReadTotal === 0) await new Promise((r) => setTimeout(r, 1));
  const started = performance.now();
  const lag: string[] = [];
  const sampler = setInterval(() => lag.push(`${((performance.now() - started) / 1000).toFixed(1)}s:${fmt(source.describe().lag)}`), 1_000);
  while (pipeline.progress.eventsReadTotal < events) await new Promise((r) => setTimeout(r, 2));
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  const produced = await producing;
  await source.stop();
  await running;
  return { eventsPerSecond: events / seconds, lag, produceEventsPerSecond: produced.eventsPerSecond, reports: JSON.stringify(pipeline.snapshot().reports) };
}

export interface RunProcess {
  readonly workers: number;
  /** Events over the events phase, as the run's summary reports it. */
  readonly eventsPerSecond: number;
  readonly wallSeconds: number;
  readonly cpuSeconds: number;
  readonly peakRssMb: number;
  readonly reports: string;
}

/**
 * `streampulse run --source kafka --once` as a user runs it, in its own process, a fresh group
 * over a full topic: dimension topics, the group, every event folded into the six reports, the
 * partitions' states written, exit. `workers` 0 folds on the main thread, N on N shards.
 */
export async function runProcess(brokers: string, topics: TopicConfig & { prefix: string }, workers: number, events: number, folder: string): Promise<RunProcess> {
  const report = join(folder, `report-${workers}-${randomUUID().slice(0, 8)}.json`);
  const args = [BIN, 'run', '--source', 'kafka', '--brokers', brokers, '--topic-prefix', topics.prefix, '--group', `bench-${randomUUID()}`, '--once', '--workers', String(workers), '--port', '0', '--no-progress', '--no-dead-letters', '--log-level', 'warn', '--data-dir', folder, '--report-json', report];
  const run = await measure(process.execPath, args);
  const match = /replayed ([\d,]+) events in [\d.]+ s: ([\d,]+) events\/s/.exec(run.stdout);
  if (run.status !== 0 || match === null) throw new Error(`streampulse run --source kafka --workers ${workers} exited ${run.status}: ${run.stderr.slice(-400)}`);
  if (Number(match[1].replace(/,/g, '')) !== events) throw new Error(`streampulse run --source kafka folded ${match[1]} events, expected ${fmt(events)}`);
  const { reports } = JSON.parse(readFileSync(report, 'utf8')) as { reports: unknown };
  return { workers, eventsPerSecond: Number(match[2].replace(/,/g, '')), wallSeconds: run.seconds, cpuSeconds: run.cpuSeconds, peakRssMb: run.peakRssMb, reports: JSON.stringify(reports) };
}
