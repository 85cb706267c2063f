// What the About box shows. Name and version come from the running app (Tauri's package info,
// i.e. the Cargo workspace version: one source for the window, the CLI and the packages);
// the data directory and keychain backend from the settings and keychain status the window
// already has.

import { getName, getVersion } from '@tauri-apps/api/app';
import { isTauri } from '@tauri-apps/api/core';
import type { KeychainStatusDto, SettingsDto } from './types';

export interface AppIdentity {
  name: string;
  /** `null` when the app could not say (shown as "unknown"). */
  version: string | null;
}

/** The running app's name and version; outside the desktop window (browser demo) a stand-in. */
export async function appIdentity(): Promise<AppIdentity> {
  if (!isTauri()) return { name: 'Keyward', version: null };
  const [name, version] = await Promise.allSettled([getName(), getVersion()]);
  return {
    name: name.status === 'fulfilled' && name.value ? name.value : 'Keyward',
    version: version.status === 'fulfilled' && version.value ? version.value : null,
  };
}

export interface AboutRow {
  label: string;
  value: string;
  testid: string;
}

/** The About box's rows, in order; values the window does not know yet say so. */
export function aboutRows(
  identity: AppIdentity | null,
  settings: SettingsDto | null,
  keychain: KeychainStatusDto | null,
): AboutRow[] {
  const backend = keychain?.backend || 'not checked yet';
  const state = keychain === null ? '' : keychain.state === 'ok' ? ' — available' : ` — ${keychain.state}`;
  return [
    { label: 'Version', value: identity ? (identity.version ?? 'unknown') : '…', testid: 'about-version' },
    { label: 'Data directory', value: settings?.data_dir ?? '…', testid: 'about-data-dir' },
    { label: 'Keychain', value: keychain ? `${backend}${state}` : 'not checked yet', testid: 'about-keychain' },
  ];
}
