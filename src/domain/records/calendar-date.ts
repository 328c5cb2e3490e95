import { DateTimeParseException, LocalDate } from '@js-joda/core';

const SHAPE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * True when `text` is an ISO calendar date (yyyy-MM-dd) that exists: 2024-02-29 does, 2024-02-30
 * does not. js-joda's ISO parser resolves strictly, so it rejects day overflow instead of rolling.
 */
export function isCalendarDate(text: string): boolean {
  if (!SHAPE.test(text)) return false;
  try {
    LocalDate.parse(text);
    return true;
  } catch (error) {
    if (error instanceof DateTimeParseException) return false;
    throw error;
  }
}
