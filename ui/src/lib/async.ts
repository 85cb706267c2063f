// Timing helpers: a debouncer and a "latest call wins" guard for racing requests.

export interface Debounced<A extends unknown[]> {
  (...args: A): void;
  cancel(): void;
  flush(): void;
}

export function debounce<A extends unknown[]>(fn: (...args: A) => void, ms: number): Debounced<A> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let pending: A | null = null;
  const run = () => {
    timer = null;
    const args = pending;
    pending = null;
    if (args) fn(...args);
  };
  const debounced = (...args: A) => {
    pending = args;
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(run, ms);
  };
  debounced.cancel = () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    pending = null;
  };
  debounced.flush = () => {
    if (timer !== null) clearTimeout(timer);
    run();
  };
  return debounced;
}

/**
 * Tags each request with a ticket; only the answer to the newest ticket is current. Used so a
 * slow detection of an older value never overwrites the detection of the value now typed.
 */
export class Latest {
  private ticket = 0;
  next(): number {
    return ++this.ticket;
  }
  isCurrent(ticket: number): boolean {
    return ticket === this.ticket;
  }
  /** Makes every outstanding ticket stale. */
  invalidate(): void {
    this.ticket++;
  }
}
