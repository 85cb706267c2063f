// Issue 16, points 9 and 10: the sort by due date, the shortcut map and the env var's breaks.
import { describe, expect, it } from 'vitest';
import { shortcutFor, shortcutGroups, type PressContext } from '../src/lib/shortcuts';
import { dueAt, sortKeys } from '../src/lib/sort';
import { underscoreBreaks } from '../src/lib/text';
import type { PolicyDto } from '../src/lib/types';
import { makeKey } from './fixtures';

const POLICY: PolicyDto = {
  default: { environment: '*', max_age_days: 90, unused_days: 30, expiring_days: 14 },
  environments: [{ environment: 'prod', max_age_days: 30, unused_days: 30, expiring_days: 14 }],
  notify_due: false,
};
const DAY = 86_400_000;

describe('dueAt', () => {
  it('is the last rotation (else creation) plus the environment’s max age', () => {
    const rotated = makeKey({ environment: 'prod', created_at: '2024-01-01T00:00:00Z', last_rotated_at: '2024-03-01T00:00:00Z' });
    expect(dueAt(rotated, POLICY)).toBe(Date.parse('2024-03-01T00:00:00Z') + 30 * DAY);
    const fresh = makeKey({ environment: 'dev', created_at: '2024-01-01T00:00:00Z' });
    expect(dueAt(fresh, POLICY)).toBe(Date.parse('2024-01-01T00:00:00Z') + 90 * DAY);
  });
  it('is the expiry when that comes first, and never for a revoked key', () => {
    const expiring = makeKey({ created_at: '2024-01-01T00:00:00Z', expires_at: '2024-01-10T00:00:00Z' });
    expect(dueAt(expiring, POLICY)).toBe(Date.parse('2024-01-10T00:00:00Z'));
    expect(dueAt(makeKey({ status: 'revoked' }), POLICY)).toBeNull();
  });
  it('without a policy counts from the last rotation alone', () => {
    expect(dueAt(makeKey({ created_at: '2024-01-01T00:00:00Z' }), null)).toBe(Date.parse('2024-01-01T00:00:00Z'));
  });
});

describe('sortKeys', () => {
  const alpha = makeKey({ name: 'alpha', environment: 'prod', last_rotated_at: '2024-06-01T00:00:00Z' });
  const bravo = makeKey({ name: 'bravo', environment: 'prod', last_rotated_at: '2024-01-01T00:00:00Z' });
  const charlie = makeKey({ name: 'charlie', environment: 'prod', last_rotated_at: '2024-03-01T00:00:00Z' });
  const gone = makeKey({ name: 'aaa-revoked', environment: 'prod', status: 'revoked' });
  const byName = [gone, alpha, bravo, charlie];

  it('by name keeps the index’s order (the same array)', () => {
    expect(sortKeys(byName, 'name', POLICY)).toBe(byName);
  });
  it('by due date puts the first due first, revoked keys last, ties by name', () => {
    expect(sortKeys(byName, 'due', POLICY).map((k) => k.name)).toEqual(['bravo', 'charlie', 'alpha', 'aaa-revoked']);
    const twin = makeKey({ name: 'able', environment: 'prod', last_rotated_at: '2024-01-01T00:00:00Z' });
    expect(sortKeys([bravo, twin], 'due', POLICY).map((k) => k.name)).toEqual(['able', 'bravo']);
  });
  it('compares across environments by their own max age', () => {
    // dev rotated earlier but allowed 90 days: due after prod's 30.
    const dev = makeKey({ name: 'dev', environment: 'dev', last_rotated_at: '2024-01-01T00:00:00Z' }); // due 2024-03-31
    const prod = makeKey({ name: 'prod', environment: 'prod', last_rotated_at: '2024-02-01T00:00:00Z' }); // due 2024-03-02
    expect(sortKeys([dev, prod], 'due', POLICY).map((k) => k.name)).toEqual(['prod', 'dev']);
  });
});

describe('shortcutFor', () => {
  const free: PressContext = { inField: false, textSelected: false, dialogOpen: false, keySelected: true };
  const press = (key: string, mods: Partial<{ ctrlKey: boolean; metaKey: boolean; altKey: boolean; shiftKey: boolean }> = {}) => ({
    key,
    ctrlKey: false,
    metaKey: false,
    altKey: false,
    ...mods,
  });

  it('Ctrl/⌘+C copies the selected key, but not from a field, over selected text, in a dialog or with nothing selected', () => {
    expect(shortcutFor(press('c', { ctrlKey: true }), free)).toBe('copy');
    expect(shortcutFor(press('C', { metaKey: true }), free)).toBe('copy');
    expect(shortcutFor(press('c', { ctrlKey: true }), { ...free, inField: true })).toBeNull();
    expect(shortcutFor(press('c', { ctrlKey: true }), { ...free, textSelected: true })).toBeNull();
    expect(shortcutFor(press('c', { ctrlKey: true }), { ...free, dialogOpen: true })).toBeNull();
    expect(shortcutFor(press('c', { ctrlKey: true }), { ...free, keySelected: false })).toBeNull();
    expect(shortcutFor(press('c', { ctrlKey: true, altKey: true }), free)).toBeNull();
    expect(shortcutFor(press('c'), free)).toBeNull();
  });
  it('? shows the shortcuts, except while typing in a field or in a dialog', () => {
    expect(shortcutFor(press('?'), free)).toBe('help');
    expect(shortcutFor(press('?'), { ...free, inField: true })).toBeNull();
    expect(shortcutFor(press('?'), { ...free, dialogOpen: true })).toBeNull();
  });
  it('Ctrl+K searches from anywhere', () => {
    expect(shortcutFor(press('k', { ctrlKey: true }), { ...free, inField: true, dialogOpen: true })).toBe('search');
    expect(shortcutFor(press('k'), free)).toBeNull();
  });
  it('F5 and Ctrl+R reload the inventory, never the page, even over a dialog or in a field', () => {
    expect(shortcutFor(press('F5'), { ...free, inField: true, dialogOpen: true })).toBe('refresh');
    expect(shortcutFor(press('r', { ctrlKey: true }), { ...free, dialogOpen: true })).toBe('refresh');
    expect(shortcutFor(press('R', { ctrlKey: true, shiftKey: true }), free)).toBeNull();
    expect(shortcutFor(press('r'), free)).toBeNull();
  });
  it('the overlay lists every window-wide shortcut', () => {
    const listed = shortcutGroups('Ctrl').flatMap((g) => g.shortcuts.flatMap((s) => s.keys.map((combo) => combo.join('+'))));
    for (const combo of ['Ctrl+K', 'Ctrl+C', 'Ctrl+R', 'F5', '?', 'Enter', 'Esc', '↓']) expect(listed).toContain(combo);
    expect(shortcutGroups('⌘').flatMap((g) => g.shortcuts.flatMap((s) => s.keys.map((c) => c.join('+'))))).toContain('⌘+C');
  });
});

describe('underscoreBreaks', () => {
  it('cuts after each underscore only', () => {
    expect(underscoreBreaks('OPENAI_API_KEY')).toEqual(['OPENAI_', 'API_', 'KEY']);
    expect(underscoreBreaks('PLAIN')).toEqual(['PLAIN']);
    expect(underscoreBreaks('A__B_')).toEqual(['A__', 'B_']);
    expect(underscoreBreaks('')).toEqual(['']);
    expect(underscoreBreaks('POSTHOG_PERSONAL_API_KEY_PROD').join('')).toBe('POSTHOG_PERSONAL_API_KEY_PROD');
  });
});
