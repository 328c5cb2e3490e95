import { map, type OperatorFunction } from 'rxjs';
import type { Dictionaries } from '../../src/domain/dictionary.ts';
import type { EventBatch } from '../../src/domain/records/event-batch.ts';
import { allocateEventColumns, columnValue, EVENT_COLUMNS, type ColumnArray } from '../../src/domain/records/event-columns.ts';
import { decodeEvent } from '../../src/domain/records/event-record.ts';
import { recordText, type RawBatch } from '../../src/domain/records/raw-batch.ts';
import { Rejection, type DeadLetter } from '../../src/domain/records/rejection.ts';
import type { RejectReason } from '../../src/errors.ts';
import type { TopologyContext } from '../context.ts';
import type { EventScanner } from '../event-scanner.ts';
import { scanAny } from '../scan-any.ts';
import { scanDeclaredInto } from '../scan-declared.ts';

/**
 * Raw event records to a columnar batch of dictionary ids, with rejects split off as dead letters.
 * Each record goes through the byte scanner; what it cannot settle (escapes, non-ASCII, unusual
 * numbers, duplicate keys, any error) goes through the reference decoder, whose verdict is final.
 */
export function decodeEventBatch(raw: RawBatch, dicts: Dictionaries, scanner: EventScanner): EventBatch {
  const rawIndex = new Int32Array(raw.count);
  const { byName, bySlot } = allocateEventColumns(raw.count);
  const rejected: DeadLetter[] = [];
  const count = decodeRows(raw, dicts, scanner, scanner.values, bySlot, bySlot.length, rawIndex, rejected);
  for (const r of raw.rejects ?? []) rejected.push({ table: 'events', origin: raw.origin, seq: r.seq, raw: r.raw, reason: r.reason, detail: r.detail });
  return { raw, count, rawIndex, ...byName, rejected };
}

/**
 * decodeEventBatch's loop, on its own so that nothing follows it but `return`: V8 compiles a long
 * loop on stack replacement (OSR) in a batch's first call, before the code after the loop has ever
 * run, and keeps that code for later calls; each of them then left the loop into a deoptimization
 * (no feedback for what follows), back to the interpreter for the rest of that batch and the start
 * of the next: 137 deoptimizations in a 600,000-event run on two shards.
 */
function decodeRows(raw: RawBatch, dicts: Dictionaries, scanner: EventScanner, values: Int32Array, bySlot: readonly ColumnArray[], columnCount: number, rawIndex: Int32Array, rejected: DeadLetter[]): number {
  let n = 0;
  for (let i = 0; i < raw.count; i++) {
    const b = raw.buffers[i];
    const start = raw.starts[i];
    const end = raw.ends[i];
    if (scanDeclaredInto(scanner, b, start, end, bySlot, n)) {
      rawIndex[n++] = i;
      continue;
    }
    // what the common spelling left in row n is written over, or the row is not counted (rows
    // from count on hold whatever a failed scan left: no reader goes past count)
    if (scanAny(scanner, b, start, end)) {
      for (let c = 0; c < columnCount; c++) bySlot[c][n] = values[c];
      rawIndex[n++] = i;
      continue;
    }
    const text = recordText(raw, i);
    const event = decodeEvent(text);
    if (event instanceof Rejection) {
      rejected.push({
        table: 'events',
        origin: raw.origin,
        seq: raw.seqs[i],
        raw: text,
        reason: event.reason,
        detail: event.detail,
        bytes: raw.buffers[i].subarray(raw.starts[i], raw.ends[i]),
      });
      continue;
    }
    for (let c = 0; c < columnCount; c++) bySlot[c][n] = columnValue(EVENT_COLUMNS[c], event, dicts);
    rawIndex[n++] = i;
  }
  return n;
}

/** Raw records to columnar events; rejects go to the dead-letter sink and are counted by reason. */
export function decodeEvents(ctx: TopologyContext): OperatorFunction<RawBatch, EventBatch> {
  return map((raw) => {
    const batch = decodeEventBatch(raw, ctx.dims.dicts, ctx.scanner);
    if (batch.rejected.length > 0) ctx.deadLetters.write(batch.rejected);
    const byReason = new Map<RejectReason, number>();
    for (const letter of batch.rejected) byReason.set(letter.reason, (byReason.get(letter.reason) ?? 0) + 1);
    // reader rejects never became records, yet were read: they count as read and rejected
    const read = raw.count + (raw.rejects?.length ?? 0);
    ctx.metrics.eventsDecoded(read, byReason);
    ctx.progress.eventBatch(ctx.partitionOf(raw), read, batch.rejected, raw.position, ctx.clock.now());
    return batch;
  });
}
