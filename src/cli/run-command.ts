import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { RunConfig } from '../config.ts';
import { REPORT_NAMES, renderTable } from '../domain/reports/index.ts';
import { startReportServer } from '../http/report-server.ts';
import { PrometheusMetrics } from '../metrics/prometheus-metrics.ts';
import { Pipeline } from '../pipeline.ts';
import { DeadLetterLog } from '../sources/dead-letter-log.ts';
import { readInputLayout, resolveInputDir } from '../sources/input-dir.ts';
import { ensureDataset } from './ensure-dataset.ts';
import { Progress } from './progress.ts';

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

/**
 * `streampulse run`: replay an input directory (or a generated dataset) through the topology while
 * serving live snapshots, then print the reports; with --once exit, otherwise keep serving.
 */
export async function runCommand(config: RunConfig, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const inputDir = config.input ?? (await ensureDataset(config.dataDir, config.generate!, config.progress));
  const layout = await resolveInputDir(inputDir, config.format);
  const metrics = new PrometheusMetrics();
  const deadLetters = new DeadLetterLog(config.deadLetters);
  const pipeline = new Pipeline({ strategies: config.strategies, cacheSize: config.cacheSize, metrics, deadLetters });
  const server = await startReportServer({ host: config.host, port: config.port, pipeline, metrics, deadLetters });
  process.stderr.write(`serving live reports on ${server.url}/reports (strategy ${config.strategies.join(' + ')})\n`);

  const progress = new Progress(config.progress);
  const eventBytes = layout.events.format === 'parquet' ? 0 : layout.events.bytes;
  let eventsStarted = 0;
  const started = performance.now();
  await pipeline.run(readInputLayout(layout, config.batchSize), (p) => {
    if (eventsStarted === 0) {
      eventsStarted = performance.now();
      if (eventBytes > 0) progress.start('replaying events', eventBytes, 'bytes');
      else progress.start('replaying events', config.generate?.events ?? 0, 'events');
    }
    progress.update(eventBytes > 0 ? (p.position.bytes ?? 0) : p.eventsRead);
  });
  progress.stop();
  const finished = performance.now();
  const snapshot = pipeline.snapshot();
  const w = snapshot.watermark;
  const eventSeconds = (finished - (eventsStarted || finished)) / 1000;

  for (const name of REPORT_NAMES) out.write(`\n${renderTable(name, snapshot.reports[name], config.printRows)}\n`);
  const rejected = w.rejected_total > 0 ? `, ${fmt(w.rejected_total)} rejected (see ${deadLetters.path ?? '/dead-letters'})` : '';
  const counted = config.strategies.map((s) => `${s}: ${fmt(w.strategies[s]?.counted ?? 0)} counted`).join(', ');
  out.write(
    `\nreplayed ${fmt(w.events_read)} events in ${eventSeconds.toFixed(2)} s: ${fmt(w.events_read / Math.max(eventSeconds, 1e-9))} events/s` +
      ` (${counted}${rejected}; total ${((finished - started) / 1000).toFixed(2)} s with dimensions)\n`,
  );

  if (config.reportJson !== null) {
    mkdirSync(dirname(config.reportJson), { recursive: true });
    const body: Record<string, unknown> = { reports: snapshot.reports, watermark: w };
    if (config.strategies.length > 1) {
      body.strategies = Object.fromEntries(config.strategies.map((s) => [s, pipeline.snapshot(s).reports]));
    }
    writeFileSync(config.reportJson, JSON.stringify(body, null, 2) + '\n');
  }

  if (config.once) {
    await server.close();
    return;
  }
  out.write(`serving ${server.url}/reports until Ctrl-C\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await server.close();
}
