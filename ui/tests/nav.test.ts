import { describe, expect, it } from 'vitest';
import { flatten, groupKeys, type ListItem } from '../src/lib/inventory';
import { followCursor, moveCursor, parentHeader } from '../src/lib/nav';
import { makeKey } from './fixtures';

describe('moveCursor', () => {
  it('moves one step with the arrow keys, stopping at the ends', () => {
    expect(moveCursor(3, 10, 'ArrowDown', 5)).toBe(4);
    expect(moveCursor(9, 10, 'ArrowDown', 5)).toBe(9);
    expect(moveCursor(3, 10, 'ArrowUp', 5)).toBe(2);
    expect(moveCursor(0, 10, 'ArrowUp', 5)).toBe(0);
  });
  it('starts at the top when nothing is selected', () => {
    expect(moveCursor(-1, 10, 'ArrowDown', 5)).toBe(0);
    expect(moveCursor(-1, 10, 'ArrowUp', 5)).toBe(0);
  });
  it('jumps with Home, End, PageUp and PageDown', () => {
    expect(moveCursor(5, 10, 'Home', 5)).toBe(0);
    expect(moveCursor(5, 10, 'End', 5)).toBe(9);
    expect(moveCursor(2, 10, 'PageDown', 5)).toBe(7);
    expect(moveCursor(8, 10, 'PageDown', 5)).toBe(9);
    expect(moveCursor(6, 10, 'PageUp', 5)).toBe(1);
    expect(moveCursor(-1, 10, 'PageDown', 5)).toBe(4);
  });
  it('ignores other keys and empty lists', () => {
    expect(moveCursor(3, 10, 'a', 5)).toBeNull();
    expect(moveCursor(-1, 0, 'ArrowDown', 5)).toBeNull();
  });
});

describe('followCursor and parentHeader', () => {
  const keys = [makeKey({ name: 'a', purpose: 'P' }), makeKey({ name: 'b', purpose: 'P' }), makeKey({ name: 'c', purpose: 'Q' })];
  const items: ListItem[] = flatten(groupKeys(keys, ['dev']), new Set());

  it('follows the same item to its new position', () => {
    expect(followCursor(items, items[4].id, 0)).toBe(4);
  });
  it('falls back to the previous position, clamped', () => {
    expect(followCursor(items, 'gone', 3)).toBe(3);
    expect(followCursor(items, 'gone', 99)).toBe(items.length - 1);
    expect(followCursor(items, null, -1)).toBe(-1);
    expect(followCursor([], 'x', 2)).toBe(-1);
  });
  it('finds the purpose header of a row and the environment header of a purpose', () => {
    // items: env, purpose P, a, b, purpose Q, c
    expect(parentHeader(items, 3)).toBe(1);
    expect(parentHeader(items, 5)).toBe(4);
    expect(parentHeader(items, 4)).toBe(0);
    expect(parentHeader(items, 0)).toBe(-1);
    expect(parentHeader(items, 42)).toBe(-1);
  });
});
