import { DateTimeException, LocalDate } from '@js-joda/core';

const SHAPE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * True when `text` is an ISO calendar date (yyyy-MM-dd) that exists: 2024-02-29 does, 2024-02-30
 * does not. The shape is checked here; whether the day exists, js-joda's LocalDate.of decides
 * (strictly: it rejects day overflow instead of rolling). Its ISO parser gives the same verdicts
 * on this shape, at twenty times the cost of a first sight (10-12 ms against 0.6 ms for a year of
 * dates in a fresh thread, which every shard is).
 */
export function isCalendarDate(text: string): boolean {
  if (!SHAPE.test(text)) return false;
  try {
    LocalDate.of(Number(text.slice(0, 4)), Number(text.slice(5, 7)), Number(text.slice(8, 10)));
    return true;
  } catch (error) {
    if (error instanceof DateTimeException) return false;
    throw error;
  }
}
