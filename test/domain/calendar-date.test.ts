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
});
