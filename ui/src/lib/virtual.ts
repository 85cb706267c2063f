// A small virtualizer for a list of items with a known height per item type. Only the items
// inside the viewport (plus some overscan) are rendered; positions come from prefix sums.

/** offsets[i] = top of item i; offsets[n] = total height. */
export function computeOffsets<T>(items: readonly T[], heightOf: (item: T) => number): Float64Array {
  const offsets = new Float64Array(items.length + 1);
  for (let i = 0; i < items.length; i++) offsets[i + 1] = offsets[i] + heightOf(items[i]);
  return offsets;
}

/** Index of the item covering vertical position `y` (clamped to the list). */
export function indexAt(offsets: ArrayLike<number>, y: number): number {
  const n = offsets.length - 1;
  if (n <= 0) return 0;
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (offsets[mid] <= y) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export interface Range {
  /** First rendered index. */
  start: number;
  /** One past the last rendered index. */
  end: number;
}

/** The items to render for a viewport at `scrollTop` of height `viewport`. */
export function visibleRange(offsets: ArrayLike<number>, scrollTop: number, viewport: number, overscan = 6): Range {
  const n = offsets.length - 1;
  if (n <= 0) return { start: 0, end: 0 };
  const top = Math.max(0, scrollTop);
  const first = indexAt(offsets, top);
  let last = indexAt(offsets, top + Math.max(0, viewport));
  // An item that starts exactly at the bottom edge is not visible.
  if (last > first && offsets[last] >= top + viewport) last -= 1;
  return { start: Math.max(0, first - overscan), end: Math.min(n, last + 1 + overscan) };
}

/**
 * The scrollTop that brings item `index` fully into view, moving as little as possible.
 * `stickyTop` reserves space hidden under a sticky header at the top of the viewport.
 */
export function scrollToReveal(offsets: ArrayLike<number>, index: number, scrollTop: number, viewport: number, stickyTop = 0): number {
  const n = offsets.length - 1;
  if (n <= 0 || index < 0 || index >= n) return scrollTop;
  const top = offsets[index];
  const bottom = offsets[index + 1];
  if (top - stickyTop < scrollTop) return Math.max(0, top - stickyTop);
  if (bottom > scrollTop + viewport) return Math.max(0, bottom - viewport);
  return scrollTop;
}
