import { isCalendarDate } from './calendar-date.ts';
import { decodeFields } from './field-decoder.ts';
import type { Rejection } from './rejection.ts';
import { EVENT_FIELDS, type RecordOf } from './schema.ts';

/** One listening event, validated: one property per field of EVENT_FIELDS. */
export type EventRecord = RecordOf<typeof EVENT_FIELDS>;

/**
 * The reference decoder: JSON.parse plus the strict checks EVENT_FIELDS declares. Every faster
 * decoder must agree with it on every input (the tests hold them to that).
 */
export function decodeEvent(text: string): EventRecord | Rejection {
  return decodeFields(EVENT_FIELDS, text, isCalendarDate);
}
