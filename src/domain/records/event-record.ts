import { RejectReason } from '../../errors.ts';
import { isCalendarDate } from './calendar-date.ts';
import { booleanField, numberField, parseJsonObject, Rejection, stringField } from './rejection.ts';

/** One listening event, validated. Extra fields in the source are ignored. */
export interface EventRecord {
  readonly event_id: string;
  readonly user_id: string;
  readonly artist_id: string;
  readonly genre: string;
  readonly region: string;
  readonly duration_sec: number;
  readonly completed: boolean;
  readonly device: string;
  readonly event_date: string;
}

const MAX_DURATION = 0x7fffffff;

/**
 * The reference decoder: JSON.parse plus strict type checks. Every faster decoder must agree with
 * it on every input (the tests hold them to that).
 */
export function decodeEvent(text: string): EventRecord | Rejection {
  const fields = parseJsonObject(text);
  if (fields instanceof Rejection) return fields;
  const event_id = stringField(fields, 'event_id');
  if (event_id instanceof Rejection) return event_id;
  const user_id = stringField(fields, 'user_id');
  if (user_id instanceof Rejection) return user_id;
  const artist_id = stringField(fields, 'artist_id');
  if (artist_id instanceof Rejection) return artist_id;
  const genre = stringField(fields, 'genre');
  if (genre instanceof Rejection) return genre;
  const region = stringField(fields, 'region');
  if (region instanceof Rejection) return region;
  const duration_sec = numberField(fields, 'duration_sec');
  if (duration_sec instanceof Rejection) return duration_sec;
  if (!Number.isInteger(duration_sec) || duration_sec < 0 || duration_sec > MAX_DURATION) {
    return new Rejection(RejectReason.BadValue, `duration_sec: expected a non-negative integer, got ${duration_sec}`);
  }
  const completed = booleanField(fields, 'completed');
  if (completed instanceof Rejection) return completed;
  const device = stringField(fields, 'device');
  if (device instanceof Rejection) return device;
  const event_date = stringField(fields, 'event_date');
  if (event_date instanceof Rejection) return event_date;
  if (!isCalendarDate(event_date)) {
    return new Rejection(RejectReason.BadDate, `event_date: ${JSON.stringify(event_date)} is not a calendar date (yyyy-MM-dd)`);
  }
  return { event_id, user_id, artist_id, genre, region, duration_sec, completed, device, event_date };
}
