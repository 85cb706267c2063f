import { describe, expect, it } from 'vitest';
import {
  groupDigits,
  ageSince,
  clipboardDeadline,
  formatAge,
  formatCountdown,
  formatDateTime,
  formatDuration,
  formatRelative,
  parseTags,
  plural,
  secondsLeft,
} from '../src/lib/format';

const NOW = Date.parse('2024-06-15T12:00:00Z');
const ago = (ms: number) => new Date(NOW - ms).toISOString();
const S = 1000;
const MIN = 60 * S;
const H = 60 * MIN;
const D = 24 * H;

describe('formatAge', () => {
  it.each([
    [0, 'just now'],
    [59 * S, 'just now'],
    [60 * S, '1 min'],
    [59 * MIN, '59 min'],
    [H, '1 h'],
    [23 * H + 59 * MIN, '23 h'],
    [D, '1 d'],
    [3 * D, '3 d'],
    [29 * D, '29 d'],
    [30 * D, '1 mo'],
    [150 * D, '5 mo'],
    [364 * D, '12 mo'],
    [365 * D, '1 y'],
    [800 * D, '2 y'],
  ])('%i ms ago is "%s"', (ms, expected) => {
    expect(formatAge(ago(ms), NOW)).toBe(expected);
  });

  it('treats a timestamp in the future (clock skew) as just now', () => {
    expect(formatAge(new Date(NOW + 5 * MIN).toISOString(), NOW)).toBe('just now');
  });

  it('shows a dash for a missing or unparsable time', () => {
    expect(formatAge(null, NOW)).toBe('—');
    expect(formatAge(undefined, NOW)).toBe('—');
    expect(formatAge('not a date', NOW)).toBe('—');
  });

  it('counts from the last rotation, else from creation', () => {
    expect(ageSince({ created_at: 'c', last_rotated_at: null })).toBe('c');
    expect(ageSince({ created_at: 'c', last_rotated_at: 'r' })).toBe('r');
  });

  it('formatDuration uses the same units', () => {
    expect(formatDuration(-1)).toBe('just now');
    expect(formatDuration(2 * H)).toBe('2 h');
  });
});

describe('formatRelative', () => {
  it('says "ago" for the past and "in" for the future', () => {
    expect(formatRelative(ago(3 * D), NOW)).toBe('3 d ago');
    expect(formatRelative(new Date(NOW + 12 * D).toISOString(), NOW)).toBe('in 12 d');
    expect(formatRelative(ago(10 * S), NOW)).toBe('just now');
    expect(formatRelative(null, NOW)).toBe('—');
  });
});

describe('countdown', () => {
  it('rounds the seconds left up and never goes negative', () => {
    expect(secondsLeft(NOW + 27_000, NOW)).toBe(27);
    expect(secondsLeft(NOW + 26_001, NOW)).toBe(27);
    expect(secondsLeft(NOW + 1, NOW)).toBe(1);
    expect(secondsLeft(NOW, NOW)).toBe(0);
    expect(secondsLeft(NOW - 5000, NOW)).toBe(0);
  });

  it('reads "Clipboard clears in N s", then "Clipboard cleared"', () => {
    expect(formatCountdown(NOW + 27_000, NOW)).toBe('Clipboard clears in 27 s');
    expect(formatCountdown(NOW + 500, NOW)).toBe('Clipboard clears in 1 s');
    expect(formatCountdown(NOW, NOW)).toBe('Clipboard cleared');
  });

  it('counts the timeout from when the answer arrived, whatever clears_at says', () => {
    const copy = { timeout_secs: 30, clears_at: '2000-01-01T00:00:00Z' };
    expect(clipboardDeadline(copy, NOW)).toBe(NOW + 30_000);
  });

  it('falls back to clears_at without a usable timeout', () => {
    const at = new Date(NOW + 12_000).toISOString();
    expect(clipboardDeadline({ timeout_secs: 0, clears_at: at }, NOW)).toBe(NOW + 12_000);
    expect(clipboardDeadline({ timeout_secs: Number.NaN, clears_at: 'garbage' }, NOW)).toBe(NOW);
  });
});

describe('groupDigits', () => {
  it('writes integers as toLocaleString(en-US) does, without a number formatter', () => {
    for (const n of [0, 7, 999, 1000, 1001, 12_345, 999_999, 1_000_000, 123_456_789, -1, -1000, -123_456, Number.MAX_SAFE_INTEGER]) {
      expect(groupDigits(n), String(n)).toBe(n.toLocaleString('en-US'));
    }
  });

  it('leaves anything but a safe integer to toLocaleString', () => {
    for (const n of [1.5, -2.25, 1e21, Number.NaN, Infinity]) expect(groupDigits(n)).toBe(n.toLocaleString('en-US'));
  });
});

describe('small helpers', () => {
  it('formats local date and time', () => {
    const local = new Date(2024, 4, 1, 14, 3);
    expect(formatDateTime(local.toISOString())).toBe('2024-05-01 14:03');
    expect(formatDateTime(null)).toBe('—');
  });

  it('pluralises with thousands separators', () => {
    expect(plural(1, 'key')).toBe('1 key');
    expect(plural(0, 'key')).toBe('0 keys');
    expect(plural(10_000, 'key')).toBe('10,000 keys');
  });

  it('parses comma-separated tags: trimmed, no empties, no duplicates', () => {
    expect(parseTags(' billing, ci ,,billing, ')).toEqual(['billing', 'ci']);
    expect(parseTags('')).toEqual([]);
  });
});
