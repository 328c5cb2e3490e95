import { randomUUID } from 'node:crypto';
import { replayToKafka, type Compression } from '../producers/replay-producer.ts';
import { LocalBroker } from '../src/kafka/local-broker.ts';
import { defaultTopics, type TopicConfig } from '../src/kafka/topics.ts';
import { Pipeline } from '../src/pipeline.ts';
import { KafkaSource } from '../src/sources/kafka-source.ts';
import { readInputLayout, resolveInputDir, type InputLayout } from '../src/sources/input-dir.ts';

/**
 * `npm run bench -- --kafka`: produce events/s (without and with gzip), consume events/s, and
 * end-to-end events/s from the first produced event until the reports include the last one,
 * with consumer lag sampled along the way. Uses KAFKA_BROKERS or starts the local broker.
 */
const log = (line: string): void => void process.stderr.write(line + '\n');
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const fresh = (): TopicConfig => defaultTopics({}, `bench-${randomUUID().slice(0, 8)}.`);

async function produce(brokers: string, layout: InputLayout, topics: TopicConfig, compression: Compression, only?: 'dimensions' | 'events'): Promise<number> {
  const summary = await replayToKafka({ brokers: [brokers], topics, layout, batchSize: 10_000, rate: 0, compression, log, only });
  return summary.eventsPerSecond;
}

async function consume(brokers: string, topics: TopicConfig): Promise<{ eventsPerSecond: number; reports: string }> {
  const source = new KafkaSource({ brokers: [brokers], topics, groupId: `bench-${randomUUID()}`, once: true, batchSize: 8_192, log });
  const pipeline = new Pipeline({ strategies: ['cached'], cacheSize: 131_072 });
  let first = 0;
  await pipeline.run(source, () => {
    first ||= performance.now();
  });
  const seconds = (performance.now() - first) / 1000;
  await source.stop();
  return { eventsPerSecond: pipeline.watermark.eventsReadTotal / seconds, reports: JSON.stringify(pipeline.snapshot().reports) };
}

async function endToEnd(brokers: string, layout: InputLayout, events: number): Promise<{ eventsPerSecond: number; lag: string[]; produceEventsPerSecond: number }> {
  const topics = fresh();
  await produce(brokers, layout, topics, 'none', 'dimensions');
  const source = new KafkaSource({ brokers: [brokers], topics, groupId: `bench-${randomUUID()}`, once: false, batchSize: 8_192, log });
  const pipeline = new Pipeline({ strategies: ['cached'], cacheSize: 131_072 });
  const running = pipeline.run(source);
  const started = performance.now();
  const lag: string[] = [];
  const sampler = setInterval(() => lag.push(`${((performance.now() - started) / 1000).toFixed(1)}s:${fmt(source.describe().lag)}`), 1_000);
  const producing = produce(brokers, layout, topics, 'none', 'events');
  while ((pipeline.watermark.view().strategies.cached?.counted ?? 0) < events) await new Promise((r) => setTimeout(r, 5));
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  const produceEventsPerSecond = await producing;
  await source.stop();
  await running;
  return { eventsPerSecond: events / seconds, lag, produceEventsPerSecond };
}

export async function benchKafka(dir: string, events: number): Promise<void> {
  const given = process.env.KAFKA_BROKERS;
  const broker = given === undefined || given === '' ? await LocalBroker.start({ log }) : null;
  const brokers = given !== undefined && given !== '' ? given : (broker as LocalBroker).brokers;
  log(`Kafka: ${brokers}${broker === null ? ' (KAFKA_BROKERS)' : ' (local broker started for the benchmark)'}`);
  try {
    const layout = await resolveInputDir(dir, 'ndjson');
    const embedded = new Pipeline({ strategies: ['cached'], cacheSize: 131_072 });
    await embedded.run(readInputLayout(layout, 8_192));
    const expected = JSON.stringify(embedded.snapshot().reports);

    log('producing (no compression)…');
    const plain = fresh();
    const producePlain = await produce(brokers, layout, plain, 'none');
    log('producing (gzip)…');
    const produceGzip = await produce(brokers, layout, fresh(), 'gzip');
    log('consuming…');
    const consumed = await consume(brokers, plain);
    log('end to end: producing and consuming at once…');
    const e2e = await endToEnd(brokers, layout, events);
    console.table([
      { measure: 'produce, no compression', 'events/s': fmt(producePlain) },
      { measure: 'produce, gzip', 'events/s': fmt(produceGzip) },
      { measure: 'consume into six reports (topic already full)', 'events/s': fmt(consumed.eventsPerSecond) },
      { measure: 'end to end (first produced → reports include the last)', 'events/s': fmt(e2e.eventsPerSecond) },
      { measure: '  producer during end to end', 'events/s': fmt(e2e.produceEventsPerSecond) },
    ]);
    console.log(`consumer lag (events behind) over the end-to-end run: ${e2e.lag.join('  ')}`);
    console.log(`reports from Kafka equal the embedded run's: ${consumed.reports === expected ? 'yes' : 'NO'}`);
    if (consumed.reports !== expected) process.exitCode = 1;
  } finally {
    await broker?.stop();
  }
}
