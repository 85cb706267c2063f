// The Review view's logic: due texts, the rotation trend's geometry, export formats and file
// names, and the environment → provider table. Pure functions over the backend's ReviewDto.

import { groupDigits, parseTime } from './format';
import type { KeyStatus, ReviewDto, ReviewFormat, ReviewGroupDto, RotationPointDto } from './types';

const DAY = 86_400_000;

/** "overdue 12 d", "due today", "due in 3 d" — by whole days, relative to `now`. */
export function dueText(dueAt: string, now: number): string {
  const t = parseTime(dueAt);
  if (Number.isNaN(t)) return '—';
  const days = Math.floor((t - now) / DAY);
  if (t < now) {
    const late = Math.max(1, Math.floor((now - t) / DAY));
    return `overdue ${groupDigits(late)} d`;
  }
  if (days === 0) return 'due today';
  return `due in ${groupDigits(days)} d`;
}

/** A day as YYYY-MM-DD (UTC, as the backend's periods are). */
export function isoDay(iso: string): string {
  const t = parseTime(iso);
  return Number.isNaN(t) ? '—' : new Date(t).toISOString().slice(0, 10);
}

/** What an overdue / due-soon line is about. */
export const CAUSE_LABELS: Record<string, string> = { rotation: 'Rotation', expiry: 'Expiry' };

export const EXPORT_FORMATS: readonly { format: ReviewFormat; label: string; extension: string; filter: string }[] = [
  { format: 'csv', label: 'CSV', extension: 'csv', filter: 'CSV' },
  { format: 'json', label: 'JSON', extension: 'json', filter: 'JSON' },
  { format: 'md', label: 'Markdown', extension: 'md', filter: 'Markdown' },
  { format: 'html', label: 'HTML report', extension: 'html', filter: 'HTML' },
];

/** The save dialog's suggested name: `keyward-review-2026-11-23.csv`. */
export function exportFileName(format: ReviewFormat, now: number): string {
  const ext = EXPORT_FORMATS.find((f) => f.format === format)?.extension ?? format;
  return `keyward-review-${new Date(now).toISOString().slice(0, 10)}.${ext}`;
}

/** Statuses in the table's column order. */
export const REVIEW_STATUSES: readonly KeyStatus[] = ['active', 'pending', 'grace', 'invalid', 'revoked'];

export interface ReviewEnvironment {
  environment: string;
  total: number;
  overdue: number;
  due_soon: number;
  providers: ReviewGroupDto[];
}

/** Groups the per-(environment, provider) rows by environment, in `order` (others after, A–Z). */
export function reviewByEnvironment(groups: readonly ReviewGroupDto[], order: readonly string[]): ReviewEnvironment[] {
  const byEnv = new Map<string, ReviewGroupDto[]>();
  for (const g of groups) {
    const list = byEnv.get(g.environment);
    if (list) list.push(g);
    else byEnv.set(g.environment, [g]);
  }
  const rank = (env: string) => {
    const i = order.indexOf(env);
    return i < 0 ? order.length : i;
  };
  return [...byEnv.entries()]
    .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
    .map(([environment, providers]) => ({
      environment,
      total: providers.reduce((n, p) => n + p.total, 0),
      overdue: providers.reduce((n, p) => n + p.overdue, 0),
      due_soon: providers.reduce((n, p) => n + p.due_soon, 0),
      providers: [...providers].sort((a, b) => a.provider.localeCompare(b.provider)),
    }));
}

// ---------------------------------------------------------------- trend chart

export interface TrendBar {
  period: string;
  rotations: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface TrendChart {
  width: number;
  height: number;
  max: number;
  total: number;
  bars: TrendBar[];
}

/**
 * Bars for the last rotations per period, scaled to a `width` × `height` box (SVG user units).
 * Empty periods keep their slot (a zero-height bar), so gaps in rotation show as gaps.
 */
export function trendChart(points: readonly RotationPointDto[], width = 320, height = 64, gap = 2): TrendChart {
  const max = points.reduce((m, p) => Math.max(m, p.rotations), 0);
  const total = points.reduce((n, p) => n + p.rotations, 0);
  const slot = points.length ? width / points.length : width;
  const barWidth = Math.max(1, slot - gap);
  const bars = points.map((p, i) => {
    const h = max > 0 ? Math.round((p.rotations / max) * (height - 1) * 100) / 100 : 0;
    return { period: p.period, rotations: p.rotations, x: Math.round(i * slot * 100) / 100, y: height - h, width: barWidth, height: h };
  });
  return { width, height, max, total, bars };
}

/** Overdue and due-soon totals across the review. */
export function reviewSummary(review: Pick<ReviewDto, 'total' | 'overdue' | 'due_soon'>): string {
  const n = (x: number, one: string, many: string) => `${groupDigits(x)} ${x === 1 ? one : many}`;
  return `${n(review.total, 'key', 'keys')} · ${n(review.overdue.length, 'overdue', 'overdue')} · ${n(review.due_soon.length, 'due soon', 'due soon')}`;
}
