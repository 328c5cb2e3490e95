import { join } from 'node:path';
import { resolveKafkaToolsJars } from '../../src/kafka/kafka-jars.ts';
import { measure } from '../compare/process-tree.ts';

export interface JavaRun {
  /** The tool's own figure (records/s while sending or fetching). */
  readonly recordsPerSecond: number;
  /** Records over the whole process's wall time (JVM start and input reading included). */
  readonly wholeProcessPerSecond: number;
  readonly wallSeconds: number;
  readonly peakRssMb: number;
  readonly line: string;
}

async function runJava(lib: string, mainClass: string, args: readonly string[]): Promise<{ stdout: string; seconds: number; peakRssMb: number }> {
  const run = await measure('java', ['-cp', join(lib, '*'), `-Dlog4j.configuration=file:${join(import.meta.dirname, '../../kafka/log4j.properties')}`, mainClass, ...args]);
  if (run.status !== 0) throw new Error(`${mainClass} exited ${run.status}: ${run.stderr.split('\n').slice(-5).join(' ')}`);
  return run;
}

export class JavaTools {
  private constructor(private readonly lib: string) {}

  static async resolve(log: (line: string) => void): Promise<JavaTools> {
    return new JavaTools(await resolveKafkaToolsJars('.streampulse', log));
  }

  /**
   * Apache Kafka's ProducerPerformance: idempotent, acks=all, linger.ms=10, batch.size=512 KiB (the
   * settings the issue measured with), records taken from the events file, one per line. It sends
   * them without keys and in a random order of the file's lines: the same bytes, not the same order.
   */
  async produce(brokers: string, topic: string, eventsFile: string, records: number, codec: string): Promise<JavaRun> {
    const props = [`bootstrap.servers=${brokers}`, 'acks=all', 'enable.idempotence=true', 'linger.ms=10', 'batch.size=524288', `compression.type=${codec}`];
    const { stdout, seconds, peakRssMb } = await runJava(this.lib, 'org.apache.kafka.tools.ProducerPerformance', [
      '--topic', topic, '--num-records', String(records), '--throughput', '-1', '--payload-file', eventsFile, '--payload-delimiter', '\n', '--producer-props', ...props,
    ]);
    const line = stdout.trim().split('\n').filter((l) => l.includes('records sent')).pop() ?? '';
    const match = /records sent, ([\d.]+) records\/sec/.exec(line);
    if (match === null) throw new Error(`ProducerPerformance printed no summary: ${stdout.slice(-300)}`);
    return { recordsPerSecond: Number(match[1]), wholeProcessPerSecond: records / seconds, wallSeconds: seconds, peakRssMb, line };
  }

  /** Apache Kafka's ConsumerPerformance over a full topic: its fetch rate excludes the group join. */
  async consume(brokers: string, topic: string, records: number): Promise<JavaRun & { withJoinPerSecond: number; consumed: number }> {
    const { stdout, seconds, peakRssMb } = await runJava(this.lib, 'org.apache.kafka.tools.ConsumerPerformance', [
      '--bootstrap-server', brokers, '--topic', topic, '--messages', String(records), '--timeout', '60000', '--group', `bench-java-${Date.now()}`,
    ]);
    const lines = stdout.trim().split('\n');
    const header = lines.findIndex((l) => l.startsWith('start.time'));
    const values = (lines[header + 1] ?? '').split(',').map((v) => v.trim());
    const columns = lines[header].split(',').map((c) => c.trim());
    const at = (name: string): number => Number(values[columns.indexOf(name)]);
    if (header < 0 || Number.isNaN(at('fetch.nMsg.sec'))) throw new Error(`ConsumerPerformance printed no summary: ${stdout.slice(-300)}`);
    return { consumed: at('data.consumed.in.nMsg'), recordsPerSecond: at('fetch.nMsg.sec'), withJoinPerSecond: at('nMsg.sec'), wholeProcessPerSecond: records / seconds, wallSeconds: seconds, peakRssMb, line: lines[header + 1] };
  }
}
