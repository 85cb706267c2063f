// Keyboard movement of the list cursor (over headers and rows of the flattened list).

import type { ListItem } from './inventory';

/**
 * The cursor index after pressing `key`, or `null` when the key is not a movement key.
 * `current` is -1 when nothing is selected yet.
 */
export function moveCursor(current: number, count: number, key: string, pageSize: number): number | null {
  if (count <= 0) return null;
  const last = count - 1;
  const page = Math.max(1, pageSize);
  switch (key) {
    case 'ArrowDown':
      return current < 0 ? 0 : Math.min(last, current + 1);
    case 'ArrowUp':
      return current < 0 ? 0 : Math.max(0, current - 1);
    case 'Home':
      return 0;
    case 'End':
      return last;
    case 'PageDown':
      return current < 0 ? Math.min(last, page - 1) : Math.min(last, current + page);
    case 'PageUp':
      return current < 0 ? 0 : Math.max(0, current - page);
    default:
      return null;
  }
}

/**
 * Where the cursor goes after the list changed (filtering, collapsing): onto the same item if it
 * is still there, else the nearest position, else nowhere.
 */
export function followCursor(items: readonly ListItem[], itemId: string | null, previousIndex: number): number {
  if (items.length === 0) return -1;
  if (itemId !== null) {
    const i = items.findIndex((item) => item.id === itemId);
    if (i >= 0) return i;
  }
  if (previousIndex < 0) return -1;
  return Math.min(previousIndex, items.length - 1);
}

/** The index of the header that owns item `index` (the item itself if it is a header of that type). */
export function parentHeader(items: readonly ListItem[], index: number): number {
  const item = items[index];
  if (!item) return -1;
  const want = item.type === 'key' ? 'purpose' : 'env';
  if (item.type === 'env') return -1;
  for (let i = index - 1; i >= 0; i--) if (items[i].type === want) return i;
  return -1;
}
