import type { SourceReject } from '../domain/records/raw-batch.ts';
import { RejectReason } from '../errors.ts';

/** The default --max-record-bytes: far above any real record, far below V8's string limit. */
export const DEFAULT_MAX_RECORD_BYTES = 1 << 20;

/**
 * The dead letter of a record over the limit: by reference (file, byte offset, length), never its
 * text, which was skipped unread so that a multi-GB line costs no memory.
 */
export function tooLongReject(path: string, seq: number, offset: number, length: number, max: number): SourceReject {
  return {
    seq,
    reason: RejectReason.TooLong,
    detail: `record of ${length} bytes at byte offset ${offset} of ${path} is over the ${max}-byte limit (--max-record-bytes)`,
    raw: '',
  };
}
