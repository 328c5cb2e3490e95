import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalBroker } from '../../src/kafka/local-broker.ts';
import { createMissingTopics, type TopicConfig } from '../../src/kafka/topics.ts';
import { codecAvailable, PRODUCE_CODECS } from '../../src/kafka/wire/compression.ts';
import { Pipeline } from '../../src/pipeline.ts';
import { readInputLayout, resolveInputDir } from '../../src/sources/input-dir.ts';
import { JavaTools, type JavaRun } from './java-tools.ts';
import { scaleOut, type ScaleRun } from './scale-out.ts';
import { consumeIntoReports, endToEnd, freshTopics, produceProcess, runProcess, type ProduceRun, type RunProcess } from './streampulse-runs.ts';

/**
 * `npm run bench -- --kafka`: on one broker (the local one unless KAFKA_BROKERS is set) and the
 * same records, Apache Kafka's own ProducerPerformance and ConsumerPerformance beside
 * StreamPulse's produce (each codec), consume into the six reports (in this process, and as
 * `run --source kafka --once` on the main thread and on shards) and end to end, as ratios.
 */
const log = (line: string): void => void process.stderr.write(line + '\n');
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;

export async function benchKafka(dir: string, events: number): Promise<void> {
  const given = process.env.KAFKA_BROKERS;
  const broker = given === undefined || given === '' ? await LocalBroker.start({ log }) : null;
  const brokers = given !== undefined && given !== '' ? given : (broker as LocalBroker).brokers;
  log(`Kafka: ${brokers}${broker === null ? ' (KAFKA_BROKERS)' : ' (local broker started for the benchmark)'}`);
  try {
    const java = await JavaTools.resolve(log);
    const layout = await resolveInputDir(dir, 'ndjson');
    const eventsFile = layout.events.files[0];
    const embedded = new Pipeline({ strategies: ['cached'], cacheSize: 131_072 });
    await embedded.run(readInputLayout(layout, 8_192));
    const expected = JSON.stringify(embedded.snapshot().reports);

    const codecs = PRODUCE_CODECS.filter((codec) => codecAvailable(codec));
    const produced: { codec: string; java: JavaRun; streampulse: ProduceRun; javaReadsOurs: number }[] = [];
    let plainTopics: TopicConfig | null = null;
    for (const codec of codecs) {
      log(`producing ${fmt(events)} events, ${codec}: Java's ProducerPerformance, then streampulse produce…`);
      const javaTopics = freshTopics();
      await createMissingTopics([brokers], javaTopics, () => {});
      const javaRun = await java.produce(brokers, javaTopics.events, eventsFile, events, codec);
      const ours = freshTopics();
      const streampulse = await produceProcess(brokers, dir, ours.prefix, codec, events);
      if (codec === 'none') plainTopics = ours;
      // an independent reader of what StreamPulse wrote: Java's consumer must find every record
      const javaReadsOurs = codec === 'none' ? -1 : (await java.consume(brokers, ours.events, events)).consumed;
      produced.push({ codec, java: javaRun, streampulse, javaReadsOurs });
    }

    log('consuming the uncompressed topic: Java\'s ConsumerPerformance, then StreamPulse into the six reports…');
    const topics = plainTopics as TopicConfig | null;
    if (topics === null) throw new Error('no uncompressed produce run to consume');
    const javaConsume = await java.consume(brokers, topics.events, events);
    const plainRun = produced.find((p) => p.codec === 'none');
    if (plainRun !== undefined) plainRun.javaReadsOurs = javaConsume.consumed;
    const consumed = await consumeIntoReports(brokers, topics);

    const cores = availableParallelism();
    log(`run --source kafka --once as a process: --workers 0 (the main thread), then --workers ${cores} (shards)…`);
    const folder = mkdtempSync(join(tmpdir(), 'streampulse-bench-kafka-'));
    const runs: RunProcess[] = [];
    try {
      for (const workers of [0, cores]) runs.push(await runProcess(brokers, topics as TopicConfig & { prefix: string }, workers, events, folder));
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }

    log('end to end: producing and consuming at once…');
    const e2e = await endToEnd(brokers, dir, layout, events);

    log('scale-out: 1, 2 and 3 instances of one group over the same topic (each its own process)…');
    const scale: ScaleRun[] = [];
    for (const instances of [1, 2, 3]) scale.push(await scaleOut(brokers, topics as TopicConfig & { prefix: string }, events, instances));

    const rows = [
      ...produced.map(({ codec, java: j, streampulse: s }) => ({
        measure: `produce, ${codec}`,
        'StreamPulse events/s': fmt(s.eventsPerSecond),
        'Java records/s': fmt(j.recordsPerSecond),
        'vs Java': ratio(s.eventsPerSecond, j.recordsPerSecond),
        'whole process: StreamPulse / Java': `${fmt(s.wholeProcessPerSecond)} / ${fmt(j.wholeProcessPerSecond)} = ${ratio(s.wholeProcessPerSecond, j.wholeProcessPerSecond)}`,
      })),
      {
        measure: 'consume (Java: fetch only; StreamPulse: into the six reports)',
        'StreamPulse events/s': fmt(consumed.eventsPerSecond),
        'Java records/s': fmt(javaConsume.recordsPerSecond),
        'vs Java': ratio(consumed.eventsPerSecond, javaConsume.recordsPerSecond),
        'whole process: StreamPulse / Java': `- / ${fmt(javaConsume.wholeProcessPerSecond)}`,
      },
      ...runs.map((r) => ({
        measure: `run --source kafka --once, --workers ${r.workers} (${r.workers === 0 ? 'main thread' : 'shards'}): events phase; wall, CPU, RSS`,
        'StreamPulse events/s': fmt(r.eventsPerSecond),
        'Java records/s': fmt(javaConsume.recordsPerSecond),
        'vs Java': ratio(r.eventsPerSecond, javaConsume.recordsPerSecond),
        'whole process: StreamPulse / Java': `${r.wallSeconds.toFixed(2)} s, ${r.cpuSeconds.toFixed(2)} s CPU, ${fmt(r.peakRssMb)} MB`,
      })),
      { measure: 'end to end (first produced → reports include the last)', 'StreamPulse events/s': fmt(e2e.eventsPerSecond), 'Java records/s': '-', 'vs Java': '-', 'whole process: StreamPulse / Java': '-' },
      { measure: '  producer during end to end', 'StreamPulse events/s': fmt(e2e.produceEventsPerSecond), 'Java records/s': '-', 'vs Java': '-', 'whole process: StreamPulse / Java': '-' },
    ];
    console.table(rows);
    console.table(
      scale.map((s) => ({
        instances: s.instances,
        'events/s (start-up, join, restore included)': fmt(s.eventsPerSecond),
        'vs 1 instance': ratio(s.eventsPerSecond, scale[0].eventsPerSecond),
        'state topic MB after the run': (s.stateBytes / 1e6).toFixed(2),
        'restore one partition': `${(s.restoreOne.seconds * 1000).toFixed(0)} ms, ${(s.restoreOne.bytes / 1e6).toFixed(2)} MB`,
      })),
    );
    console.log(`consumer lag (events behind) over the end-to-end run: ${e2e.lag.join('  ')}`);
    const javaReadAll = produced.every((p) => p.javaReadsOurs === events);
    console.log(`Java's ConsumerPerformance read every record StreamPulse produced (${produced.map((p) => `${p.codec} ${fmt(p.javaReadsOurs)}`).join(', ')}): ${javaReadAll ? 'yes' : 'NO'}`);
    const fromKafka = [consumed.reports, e2e.reports, ...runs.map((r) => r.reports)];
    const agrees = fromKafka.every((r) => r === expected) && javaReadAll;
    console.log(`reports from Kafka (consume, the runs and end to end) equal the embedded run's: ${fromKafka.every((r) => r === expected) ? 'yes' : 'NO'}`);
    const date = new Date().toISOString().slice(0, 10);
    mkdirSync('bench/results', { recursive: true });
    const file = `bench/results/kafka-${date}${events < 600_000 ? '-quick' : ''}.json`;
    writeFileSync(file, JSON.stringify({ date, events, brokers: broker === null ? 'KAFKA_BROKERS' : 'local', produced, javaConsume, consumed: consumed.eventsPerSecond, runs: runs.map(({ reports: _, ...r }) => r), endToEnd: { eventsPerSecond: e2e.eventsPerSecond, lag: e2e.lag, producer: e2e.produceEventsPerSecond }, scale, agrees }, null, 2) + '\n');
    log(`results: ${file}`);
    if (!agrees) process.exitCode = 1;
  } finally {
    await broker?.stop();
  }
}
