import { describe, expect, it } from 'vitest';
import { parseWhen, toOnCalendar } from '../../../../src/core/schedule/when.js';
import { UsageError } from '../../../../src/core/errors.js';

const at = { hour: 2, minute: 30 };

describe('parseWhen', () => {
  it.each([
    ['daily', '30 2 * * *'],
    ['Weekly', '30 2 * * 0'],
    ['monthly', '30 2 1 * *'],
    ['@daily', '@daily'],
    ['*/5  * * * *', '*/5 * * * *'],
    ['0 2 * * mon-fri', '0 2 * * mon-fri'],
    ['0 3 1,15 jan *', '0 3 1,15 jan *'],
  ])('%s → %s', (when, cron) => expect(parseWhen(when, at, '--falkordb')).toBe(cron));

  it.each([
    ['0 2 * *', /5 fields, this has 4/],
    ['60 2 * * *', /minute field "60" has 60, outside 0-59/],
    ['0 2 * * 8', /day of week field "8"/],
    ['0 2 0 * *', /day of month/],
    ['*/0 * * * *', /step of 0/],
    ['@reboot', /1/],
    ['0 2 * * funday', /not a day of week/],
    ['rm -rf / ; 0 2 * * *', /fields/],
  ])('refuses %s with exit 2', (when, message) => {
    const call = () => parseWhen(when, at, '--drill');
    expect(call).toThrow(UsageError);
    expect(call).toThrow(message);
  });
});

describe('toOnCalendar', () => {
  it.each([
    ['30 2 * * *', '*-*-* 02:30:00'],
    ['30 2 1 * *', '*-*-1 02:30:00'],
    ['0 4 * * 1-5', 'Mon,Tue,Wed,Thu,Fri *-*-* 04:00:00'],
    ['0 4 * * 7', 'Sun *-*-* 04:00:00'],
    ['*/15 * * * *', '*-*-* *:0/15:00'],
    ['0 0,12 * 1-3 *', '*-1,2,3-* 00,12:00:00'],
    ['@weekly', 'weekly'],
  ])('%s → %s', (cron, calendar) => expect(toOnCalendar(cron)).toBe(calendar));

  it("refuses cron's either-day rule, which systemd cannot express", () => {
    expect(() => toOnCalendar('0 2 1 * 1')).toThrow(/either/);
  });
});
