import { writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { buildRunConfig } from '../../src/config.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';

let dir: string;
let broker: Server;
let connections = 0;

beforeAll(async () => {
  dir = await makeTempDir('streampulse-run-checkpoint-');
  // stands in for a broker: any connection attempt is counted
  broker = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => broker.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await new Promise((resolve) => broker.close(resolve));
  await removeTempDir(dir);
});

/** `main` in this process, with stderr captured. */
async function run(args: readonly string[]): Promise<{ code: number; stderr: string[] }> {
  const stderr: string[] = [];
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr.push(String(chunk));
    return true;
  });
  try {
    return { code: await main(args), stderr: stderr.join('').split('\n').filter((l) => l !== '') };
  } finally {
    spy.mockRestore();
  }
}

const kafkaRun = (brokers: string, checkpoint: string): string[] => ['run', '--source', 'kafka', '--brokers', brokers, '--checkpoint', checkpoint, '--once', '--port', '0', '--no-progress', '--no-dead-letters', '--data-dir', dir];

describe('run --source kafka with a bad checkpoint', () => {
  it('exits 1 with one line naming the file, before any connection', async () => {
    const bad = join(dir, 'negative.json');
    writeFileSync(bad, JSON.stringify({ version: 2, group: 'streampulse', topic: 'listening-events', step: 1, offsets: { '3': -5 }, folded: {}, state: {}, writtenAt: '2025-01-01T00:00:00.000Z' }));
    const port = (broker.address() as AddressInfo).port;
    const r = await run(kafkaRun(`127.0.0.1:${port}`, bad));
    expect(r.code).toBe(1);
    expect(r.stderr).toEqual([`streampulse: checkpoint ${bad} is invalid: offsets["3"] must be a non-negative integer, got -5 [SP_CHECKPOINT]`]);
    expect(connections).toBe(0);
  });

  it('exits 1 on a checkpoint holding null, against 127.0.0.1:1', async () => {
    const bad = join(dir, 'null.json');
    writeFileSync(bad, 'null');
    const r = await run(kafkaRun('127.0.0.1:1', bad));
    expect(r.code).toBe(1);
    expect(r.stderr).toEqual([`streampulse: checkpoint ${bad} is invalid: the file must be a JSON object, got null [SP_CHECKPOINT]`]);
  });

  it('takes --discard-checkpoint into the run configuration', () => {
    expect(buildRunConfig({ source: 'kafka', brokers: 'b:9092', discardCheckpoint: true }).discardCheckpoint).toBe(true);
    expect(buildRunConfig({ source: 'kafka', brokers: 'b:9092' }).discardCheckpoint).toBe(false);
  });
});
