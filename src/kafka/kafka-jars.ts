import type { LogFn } from '../log/logger.ts';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { dirname, join, resolve } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { IoError } from '../errors.ts';
import { PACKAGE_ROOT } from '../package-root.ts';

export const KAFKA_VERSION = '3.9.1';
const KAFKA_DIR = join(PACKAGE_ROOT, 'kafka');

/**
 * The folder holding Apache Kafka's broker jars, resolved from Maven Central with Maven on first
 * use (about 60 MB, once per machine and cache folder) and reused after.
 */
export function resolveKafkaJars(cacheDir: string, log: LogFn): Promise<string> {
  return resolveJars(join(KAFKA_DIR, 'pom.xml'), resolve(cacheDir, `kafka-${KAFKA_VERSION}`, 'lib'), 'kafka_2.13-', log);
}

/** Apache Kafka's command-line tools (ProducerPerformance, ConsumerPerformance), for the benchmark. */
export function resolveKafkaToolsJars(cacheDir: string, log: LogFn): Promise<string> {
  return resolveJars(join(KAFKA_DIR, 'tools-pom.xml'), resolve(cacheDir, `kafka-tools-${KAFKA_VERSION}`, 'lib'), 'kafka-tools-', log);
}

/** Older than this, a lock is taken for a resolution that died with its process. */
const STALE_LOCK_MS = 15 * 60_000;

/**
 * Resolves once, whoever asks: test files and benchmark runs start brokers in parallel processes,
 * and two Maven runs copying into one folder (and downloading into one ~/.m2) break each other.
 * A folder created atomically is the lock; the others wait for the marker.
 */
async function resolveJars(pom: string, lib: string, mainJar: string, log: LogFn): Promise<string> {
  const marker = join(lib, '.complete');
  const lock = `${lib}.lock`;
  mkdirSync(dirname(lib), { recursive: true });
  for (;;) {
    if (existsSync(marker)) return lib;
    try {
      mkdirSync(lock);
      break;
    } catch {
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > STALE_LOCK_MS) rmSync(lock, { recursive: true, force: true });
      else await sleep(500);
    }
  }
  try {
    if (existsSync(marker)) return lib;
    return await runMaven(pom, lib, mainJar, marker, log);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

async function runMaven(pom: string, lib: string, mainJar: string, marker: string, log: LogFn): Promise<string> {
  log(`resolving Apache Kafka ${KAFKA_VERSION} jars (${mainJar.replace(/-$/, '')}) from Maven Central into ${lib} (once)…`);
  const args = ['-B', '-q', '-Dstyle.color=never', '-f', pom, `-Dkafka.version=${KAFKA_VERSION}`, 'dependency:copy-dependencies', `-DoutputDirectory=${lib}`, '-DincludeScope=runtime'];
  // Maven's own output (colour codes even in batch mode) is kept back unless it fails, so what
  // follows on the terminal (the KAFKA_BROKERS= line) starts its own clean line
  const { code, output } = await new Promise<{ code: number; output: string }>((done, fail) => {
    const mvn = spawn('mvn', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    mvn.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    mvn.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    mvn.once('error', (error) => fail(new IoError(`cannot run Maven (mvn): ${error.message}; Java 17 and Maven are needed for the local broker`)));
    mvn.once('exit', (status) => done({ code: status ?? 1, output }));
  });
  if (code !== 0) {
    log(stripVTControlCharacters(output).trim());
    throw new IoError(`Maven could not resolve Kafka ${KAFKA_VERSION} (exit ${code})`);
  }
  const jars = readdirSync(lib).filter((name) => name.endsWith('.jar'));
  if (!jars.some((name) => name.startsWith(mainJar))) throw new IoError(`no ${mainJar}*.jar in ${lib}`);
  writeFileSync(marker, `${jars.length} jars\n`);
  return lib;
}
