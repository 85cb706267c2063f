// Editing the settings: the ordered list of environments and the clipboard timeout.

import type { SettingsDto, SettingsPatch } from './types';

export const CLIPBOARD_TIMEOUT_MIN = 5;
export const CLIPBOARD_TIMEOUT_MAX = 600;

export function environmentNames(settings: Pick<SettingsDto, 'environments'> | null): string[] {
  if (!settings) return [];
  return [...settings.environments].sort((a, b) => a.position - b.position).map((e) => e.name);
}

export type EnvEdit = { ok: true; list: string[] } | { ok: false; error: string };

export function addEnvironment(list: readonly string[], raw: string): EnvEdit {
  const name = raw.trim();
  if (!name) return { ok: false, error: 'Type a name first.' };
  if (name.length > 64) return { ok: false, error: 'Use at most 64 characters.' };
  if (list.some((n) => n.toLowerCase() === name.toLowerCase())) return { ok: false, error: `“${name}” is already in the list.` };
  return { ok: true, list: [...list, name] };
}

export function removeEnvironment(list: readonly string[], index: number): string[] {
  return list.filter((_, i) => i !== index);
}

/** Moves item `index` by `delta` (-1 up, +1 down); out-of-range moves change nothing. */
export function moveEnvironment(list: readonly string[], index: number, delta: -1 | 1): string[] {
  const to = index + delta;
  if (index < 0 || index >= list.length || to < 0 || to >= list.length) return [...list];
  const next = [...list];
  [next[index], next[to]] = [next[to], next[index]];
  return next;
}

/** Parses the timeout field; returns an error sentence for anything but a whole number in range. */
export function parseTimeout(text: string): { ok: true; value: number } | { ok: false; error: string } {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return { ok: false, error: 'Enter a whole number of seconds.' };
  const value = Number(t);
  if (value < CLIPBOARD_TIMEOUT_MIN || value > CLIPBOARD_TIMEOUT_MAX) {
    return { ok: false, error: `Choose between ${CLIPBOARD_TIMEOUT_MIN} and ${CLIPBOARD_TIMEOUT_MAX} seconds.` };
  }
  return { ok: true, value };
}

/** Only what changed; `null` when nothing did. */
export function settingsPatch(current: SettingsDto, timeout: number, environments: readonly string[]): SettingsPatch | null {
  const patch: SettingsPatch = {};
  if (timeout !== current.clipboard_timeout_secs) patch.clipboard_timeout_secs = timeout;
  const before = environmentNames(current);
  if (before.length !== environments.length || before.some((n, i) => n !== environments[i])) patch.environments = [...environments];
  return Object.keys(patch).length ? patch : null;
}
