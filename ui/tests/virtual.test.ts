import { describe, expect, it } from 'vitest';
import { computeOffsets, indexAt, scrollToReveal, visibleRange } from '../src/lib/virtual';

// Heights: 30 for headers ('h'), 40 for rows ('r').
const items = ['h', 'r', 'r', 'h', 'r', 'r', 'r', 'r', 'r', 'r'];
const offsets = computeOffsets(items, (i) => (i === 'h' ? 30 : 40));

describe('computeOffsets', () => {
  it('builds prefix sums with the total last', () => {
    expect(Array.from(offsets)).toEqual([0, 30, 70, 110, 140, 180, 220, 260, 300, 340, 380]);
  });
});

describe('indexAt', () => {
  it('finds the item covering a position', () => {
    expect(indexAt(offsets, 0)).toBe(0);
    expect(indexAt(offsets, 29)).toBe(0);
    expect(indexAt(offsets, 30)).toBe(1);
    expect(indexAt(offsets, 139)).toBe(3);
    expect(indexAt(offsets, 379)).toBe(9);
  });
  it('clamps outside the list', () => {
    expect(indexAt(offsets, -10)).toBe(0);
    expect(indexAt(offsets, 10_000)).toBe(9);
    expect(indexAt(new Float64Array([0]), 50)).toBe(0);
  });
});

describe('visibleRange', () => {
  it('renders only what is in the viewport, without overscan', () => {
    expect(visibleRange(offsets, 0, 100, 0)).toEqual({ start: 0, end: 3 });
    expect(visibleRange(offsets, 140, 80, 0)).toEqual({ start: 4, end: 6 });
  });
  it('does not count an item that starts exactly at the bottom edge', () => {
    expect(visibleRange(offsets, 0, 70, 0)).toEqual({ start: 0, end: 2 });
  });
  it('adds overscan, clamped to the list', () => {
    expect(visibleRange(offsets, 140, 80, 2)).toEqual({ start: 2, end: 8 });
    expect(visibleRange(offsets, 0, 1000, 5)).toEqual({ start: 0, end: 10 });
  });
  it('handles an empty list and a scroll past the end', () => {
    expect(visibleRange(new Float64Array([0]), 0, 500)).toEqual({ start: 0, end: 0 });
    expect(visibleRange(offsets, 5000, 100, 0)).toEqual({ start: 9, end: 10 });
  });
  it('stays small for 10,000 rows', () => {
    const big = computeOffsets(new Array(10_000).fill(0), () => 44);
    const r = visibleRange(big, 44 * 5000, 800, 6);
    expect(r.start).toBe(4994);
    expect(r.end - r.start).toBeLessThan(40);
  });
});

describe('scrollToReveal', () => {
  it('keeps the scroll position when the item is visible', () => {
    expect(scrollToReveal(offsets, 1, 0, 100)).toBe(0);
  });
  it('scrolls up to the item top', () => {
    expect(scrollToReveal(offsets, 1, 200, 100)).toBe(30);
  });
  it('scrolls down just enough to show the item bottom', () => {
    expect(scrollToReveal(offsets, 5, 0, 100)).toBe(120);
  });
  it('leaves room for a sticky header', () => {
    expect(scrollToReveal(offsets, 4, 200, 100, 30)).toBe(110);
  });
  it('ignores indexes outside the list', () => {
    expect(scrollToReveal(offsets, 99, 10, 100)).toBe(10);
    expect(scrollToReveal(offsets, -1, 10, 100)).toBe(10);
  });
});
