import { DateTimeParseException, LocalDate } from '@js-joda/core';
import { describe, expect, it } from 'vitest';
import { isCalendarDate } from '../../src/domain/records/calendar-date.ts';

describe('isCalendarDate', () => {
  it.each(['2024-02-29', '2000-02-29', '2024-01-01', '2024-12-31', '2023-02-28', '2024-04-30', '1999-09-09'])('%s exists', (d) => {
    expect(isCalendarDate(d)).toBe(true);
  });

  it.each([
    ['2023-02-29', 'not a leap year'],
    ['1900-02-29', 'century, not a leap year'],
    ['2024-02-30', 'February overflow'],
    ['2024-04-31', 'April has 30 days'],
    ['2024-06-31', 'June has 30 days'],
    ['2024-13-01', 'month 13'],
    ['2024-00-10', 'month 0'],
    ['2024-01-00', 'day 0'],
    ['2024-01-32', 'day 32'],
  ])('%s does not exist (%s)', (d) => {
    expect(isCalendarDate(d)).toBe(false);
  });

  it.each(['2024-1-01', '2024-01-1', '24-01-01', '2024/01/01', '2024-01-01T00:00', ' 2024-01-01', '2024-01-01 ', '+2024-01-01', '20240101', '', 'yyyy-mm-dd', '2024-01-01\n', '２０２４-01-01'])(
    '%j has the wrong shape',
    (d) => {
      expect(isCalendarDate(d)).toBe(false);
    },
  );

  it("agrees with js-joda's ISO parser on every month 00-13 and day 00-32 of leap, common, century and edge years", () => {
    const parses = (text: string): boolean => {
      try {
        LocalDate.parse(text);
        return true;
      } catch (error) {
        if (error instanceof DateTimeParseException) return false;
        throw error;
      }
    };
    const differ: string[] = [];
    let exist = 0;
    for (const year of ['0000', '0001', '1900', '2000', '2023', '2024', '9999']) {
      for (let month = 0; month <= 13; month++) {
        for (let day = 0; day <= 32; day++) {
          const text = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
          const want = parses(text);
          if (want) exist++;
          if (isCalendarDate(text) !== want) differ.push(text);
        }
      }
    }
    expect(differ).toEqual([]);
    // 0000, 2000 and 2024 are leap years: 366 days each, the other four 365
    expect(exist).toBe(3 * 366 + 4 * 365);
  });
});
