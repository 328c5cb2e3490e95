import { spawn } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ErrorCode, StreamPulseError } from '../errors.ts';

export const KAFKA_VERSION = '3.9.1';
const POM = resolve(import.meta.dirname, '../../kafka/pom.xml');

/**
 * The folder holding Apache Kafka's broker jars, resolved from Maven Central with Maven on first
 * use (about 60 MB, once per machine and cache folder) and reused after.
 */
export async function resolveKafkaJars(cacheDir: string, log: (line: string) => void): Promise<string> {
  const lib = resolve(cacheDir, `kafka-${KAFKA_VERSION}`, 'lib');
  const marker = join(lib, '.complete');
  if (existsSync(marker)) return lib;
  log(`resolving Apache Kafka ${KAFKA_VERSION} jars from Maven Central into ${lib} (once)…`);
  const args = ['-B', '-q', '-f', POM, `-Dkafka.version=${KAFKA_VERSION}`, 'dependency:copy-dependencies', `-DoutputDirectory=${lib}`, '-DincludeScope=runtime'];
  const code = await new Promise<number>((done, fail) => {
    const mvn = spawn('mvn', args, { stdio: ['ignore', 'inherit', 'inherit'] });
    mvn.once('error', (error) => fail(new StreamPulseError(ErrorCode.Io, `cannot run Maven (mvn): ${error.message}; Java 17 and Maven are needed for the local broker`)));
    mvn.once('exit', (status) => done(status ?? 1));
  });
  if (code !== 0) throw new StreamPulseError(ErrorCode.Io, `Maven could not resolve Kafka ${KAFKA_VERSION} (exit ${code})`);
  const jars = readdirSync(lib).filter((name) => name.endsWith('.jar'));
  if (!jars.some((name) => name.startsWith('kafka_2.13-'))) throw new StreamPulseError(ErrorCode.Io, `no kafka_2.13 jar in ${lib}`);
  writeFileSync(marker, `${jars.length} jars\n`);
  return lib;
}
