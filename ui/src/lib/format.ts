// Small, pure formatting helpers (times are RFC 3339 strings from the backend).

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Milliseconds since the epoch, or NaN for a missing or unparsable timestamp. */
export function parseTime(iso: string | null | undefined): number {
  if (!iso) return Number.NaN;
  return Date.parse(iso);
}

/**
 * Compact age of a timestamp: "just now", "12 min", "5 h", "3 d", "5 mo", "2 y".
 * Timestamps in the future (clock skew) count as "just now"; unparsable ones give "—".
 */
export function formatAge(iso: string | null | undefined, now: number): string {
  const t = parseTime(iso);
  if (Number.isNaN(t)) return '—';
  return formatDuration(now - t);
}

/** A span of time in the same compact units; under a minute (or negative) is "just now". */
export function formatDuration(ms: number): string {
  if (ms < MINUTE) return 'just now';
  if (ms < HOUR) return `${Math.floor(ms / MINUTE)} min`;
  if (ms < DAY) return `${Math.floor(ms / HOUR)} h`;
  const days = Math.floor(ms / DAY);
  if (days < 30) return `${days} d`;
  if (days < 365) return `${Math.floor(days / 30)} mo`;
  return `${Math.floor(days / 365)} y`;
}

/** The moment a key's age counts from: its last rotation, else its creation. */
export function ageSince(key: { last_rotated_at: string | null; created_at: string }): string {
  return key.last_rotated_at ?? key.created_at;
}

/** Whole seconds left until `deadline` (ms), rounded up, never negative. */
export function secondsLeft(deadline: number, now: number): number {
  return Math.max(0, Math.ceil((deadline - now) / 1000));
}

/** "Clipboard clears in 27 s" while counting down, then "Clipboard cleared". */
export function formatCountdown(deadline: number, now: number): string {
  const s = secondsLeft(deadline, now);
  return s > 0 ? `Clipboard clears in ${s} s` : 'Clipboard cleared';
}

/**
 * When the clipboard clears, as a local deadline. The backend reports both the timeout and the
 * wall-clock moment; counting `timeout_secs` from when the answer arrived keeps the countdown
 * right even if the two clocks disagree. A missing timeout falls back to `clears_at`.
 */
export function clipboardDeadline(copy: { timeout_secs: number; clears_at: string }, receivedAt: number): number {
  if (Number.isFinite(copy.timeout_secs) && copy.timeout_secs > 0) return receivedAt + copy.timeout_secs * 1000;
  const t = parseTime(copy.clears_at);
  return Number.isNaN(t) ? receivedAt : t;
}

/** A timestamp as local date and time ("2024-05-01 14:03"), or "—". */
export function formatDateTime(iso: string | null | undefined): string {
  const t = parseTime(iso);
  if (Number.isNaN(t)) return '—';
  const d = new Date(t);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** "3 d ago", "in 12 d" (future), "just now", "—" for a missing time. */
export function formatRelative(iso: string | null | undefined, now: number): string {
  const t = parseTime(iso);
  if (Number.isNaN(t)) return '—';
  if (t - now >= MINUTE) return `in ${formatDuration(t - now)}`;
  const age = formatDuration(now - t);
  return age === 'just now' ? age : `${age} ago`;
}

/**
 * An integer with thousands separators, as `toLocaleString('en-US')` writes it ("10,000"),
 * without ICU: JavaScriptCore sets up a number formatter on every such call, which cost the
 * window's first paint 6–10 ms for its five counts (issue 14). Anything but a safe integer is
 * left to `toLocaleString`.
 */
export function groupDigits(n: number): string {
  if (!Number.isSafeInteger(n)) return n.toLocaleString('en-US');
  const digits = String(Math.abs(n));
  let out = '';
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? `-${out}` : out;
}

/** "1 key", "10,000 keys". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${groupDigits(n)} ${n === 1 ? one : many}`;
}

/** Splits a comma-separated tag field into trimmed, non-empty, de-duplicated tags. */
export function parseTags(text: string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of text.split(',')) {
    const tag = raw.trim();
    if (tag && !seen.has(tag)) {
      seen.add(tag);
      out.push(tag);
    }
  }
  return out;
}

export const STATUS_LABELS: Record<string, string> = {
  active: 'Active',
  pending: 'Pending',
  grace: 'Grace',
  revoked: 'Revoked',
  invalid: 'Invalid',
  disabled: 'Disabled',
  expired: 'Expired',
};

export const PRIVILEGE_LABELS: Record<string, string> = {
  public: 'public',
  read_only: 'read-only',
  scoped: 'scoped',
  full: 'full access',
};

/** How a kind is sent, as a phrase before its header/field name. */
export const PRESENTATION_LABELS: Record<string, string> = {
  header: 'header',
  bearer: 'bearer token in',
  body_field: 'body field',
  query: 'query parameter',
};

/** Tooltip of the "Admin" badge on a connection's admin key. */
export const ADMIN_TITLE =
  "A provider API's admin key: it can create and delete other keys. `keyward run` passes it only when named (--with).";
