import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RejectReason } from '../../src/errors.ts';
import type { DeadLetter } from '../../src/domain/records/rejection.ts';
import { DeadLetterLog } from '../../src/sources/dead-letter-log.ts';
import { withTempDir } from '../helpers/temp-dir.ts';

const letter = (seq: number, raw: string): DeadLetter => ({ table: 'events', origin: 'events.ndjson', seq, raw, reason: RejectReason.NotJson, detail: 'x'.repeat(5_000) });

describe('DeadLetterLog', () => {
  it('counts letters it cannot append (the folder became a file) instead of throwing into the run', async () => {
    await withTempDir('streampulse-dlq-', async (dir) => {
      await writeFile(join(dir, 'not-a-folder'), 'x');
      const lines: string[] = [];
      const log = new DeadLetterLog(join(dir, 'not-a-folder', 'dl.ndjson'), null, (line) => void lines.push(line));
      expect(() => log.write([letter(1, 'a'), letter(2, 'b')])).not.toThrow();
      log.write([letter(3, 'c')]);
      expect(log.unwritten).toBe(3);
      expect(log.view().total).toBe(3);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/cannot append dead letters to .*not-a-folder\/dl\.ndjson .*(ENOTDIR|EEXIST)/);
    });
  });

  it('keeps previews of the latest 100 and every record whole in the file', async () => {
    await withTempDir('streampulse-dlq-', async (dir) => {
      const log = new DeadLetterLog(join(dir, 'dl.ndjson'), 'events.dlq');
      const letters = Array.from({ length: 150 }, (_, i) => letter(i, `line ${i} ${'y'.repeat(i === 149 ? 2_000_000 : 10)}`));
      log.write(letters.slice(0, 70));
      log.write(letters.slice(70));
      const view = log.view();
      expect(view.total).toBe(150);
      expect(view.recent.map((l) => l.seq)).toEqual(letters.slice(50).map((l) => l.seq));
      expect(view.recent[0]).toMatchObject({ raw: letters[50].raw, raw_cut: false, raw_bytes: letters[50].raw.length, whole_record_at: { file: join(dir, 'dl.ndjson'), topic: 'events.dlq' } });
      const last = view.recent[99];
      expect(last.raw_cut).toBe(true);
      expect(last.raw).toHaveLength(1024);
      expect(last.raw_bytes).toBe(letters[149].raw.length);
      expect(last.detail.length).toBeLessThanOrEqual(1025);
      const file = (await readFile(join(dir, 'dl.ndjson'), 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as DeadLetter);
      expect(file.map((l) => l.raw)).toEqual(letters.map((l) => l.raw));
    });
  });

  it('points at the topic alone when there is no file', () => {
    const log = new DeadLetterLog(null, 'events.dlq');
    log.write([letter(1, 'not json')]);
    expect(log.view()).toMatchObject({ total: 1, file: null, topic: 'events.dlq', recent: [{ raw: 'not json', whole_record_at: { topic: 'events.dlq' } }] });
    expect(new DeadLetterLog(null).view().topic).toBeNull();
  });
});
