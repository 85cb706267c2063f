import { afterEach, describe, expect, it, vi } from 'vitest';
import { debounce, Latest } from '../src/lib/async';
import { badgeColor, badgeLetters } from '../src/lib/badge';

describe('badges', () => {
  it('tells the five "Post…" providers apart', () => {
    const letters = ['postmon', 'postmark', 'postman', 'posthog', 'postnomic'].map((id) => badgeLetters(id, 'Post'));
    expect(new Set(letters).size).toBe(5);
  });
  it('uses initials for other providers', () => {
    expect(badgeLetters('acme', 'Acme Mail')).toBe('AM');
    expect(badgeLetters('openai', 'OpenAI')).toBe('OA');
    expect(badgeLetters('stripe', 'stripe')).toBe('St');
    expect(badgeLetters('', '')).toBe('?');
  });
  it('picks a stable palette colour', () => {
    expect(badgeColor('acme')).toBe(badgeColor('acme'));
    expect(badgeColor('whatever')).toBeGreaterThanOrEqual(0);
    expect(badgeColor('whatever')).toBeLessThan(8);
  });
});

describe('debounce', () => {
  afterEach(() => vi.useRealTimers());

  it('calls once with the last arguments after the quiet period', () => {
    vi.useFakeTimers();
    const fn = vi.fn();
    const d = debounce(fn, 150);
    d('a');
    vi.advanceTimersByTime(100);
    d('b');
    vi.advanceTimersByTime(149);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(fn).toHaveBeenCalledWith('b');
  });

  it('can be cancelled or flushed', () => {
    vi.useFakeTimers();
    const fn = vi.fn();
    const d = debounce(fn, 150);
    d('a');
    d.cancel();
    vi.advanceTimersByTime(500);
    expect(fn).not.toHaveBeenCalled();
    d('b');
    d.flush();
    expect(fn).toHaveBeenCalledWith('b');
  });
});

describe('Latest', () => {
  it('keeps only the newest ticket current', () => {
    const latest = new Latest();
    const a = latest.next();
    const b = latest.next();
    expect(latest.isCurrent(a)).toBe(false);
    expect(latest.isCurrent(b)).toBe(true);
    latest.invalidate();
    expect(latest.isCurrent(b)).toBe(false);
  });
});
