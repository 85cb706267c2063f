// One typed wrapper per backend command. Every rejection becomes an `AppError` with a `code`.
//
// Inside the desktop window the calls go through Tauri's IPC. In a plain browser there is no
// backend; a build in a non-production mode with VITE_KEYWARD_DEMO=1 (`npm run dev:demo`, which
// uses `--mode demo` and `.env.demo`) then uses an in-memory demo backend, for looking at the UI.
// A production build never contains the demo: Vite replaces both `import.meta.env` values with
// constants and drops the dead branch, and vite.config.ts fails a production build that would
// bundle demo.ts all the same.

import { invoke, isTauri } from '@tauri-apps/api/core';
import { open } from '@tauri-apps/plugin-dialog';
import { AppError, toAppError } from './errors';
import type {
  AuditEventDto,
  CopyDto,
  DetectionDto,
  ImportOptions,
  ImportPreviewDto,
  ImportResultDto,
  KeyDetailDto,
  KeyDto,
  KeyPatch,
  KeychainStatusDto,
  NewKeyInput,
  ProviderDto,
  SettingsDto,
  SettingsPatch,
} from './types';

export { AppError } from './errors';

/** Every command of the contract: its invoke arguments (camelCase keys) and its result. */
export interface Commands {
  keys_list: { args: Record<string, never>; result: KeyDto[] };
  key_show: { args: { id: string }; result: KeyDetailDto };
  key_detect: { args: { value: string }; result: DetectionDto };
  key_add: { args: { input: NewKeyInput }; result: KeyDto };
  key_update: { args: { id: string; patch: KeyPatch }; result: KeyDto };
  key_remove: { args: { id: string }; result: null };
  key_copy: { args: { id: string }; result: CopyDto };
  import_preview: { args: { path: string; options: ImportOptions }; result: ImportPreviewDto };
  import_commit: { args: { path: string; options: ImportOptions }; result: ImportResultDto };
  providers_list: { args: Record<string, never>; result: ProviderDto[] };
  settings_get: { args: Record<string, never>; result: SettingsDto };
  settings_update: { args: { patch: SettingsPatch }; result: SettingsDto };
  keychain_status: { args: Record<string, never>; result: KeychainStatusDto };
  audit_list: { args: { keyId: string | null }; result: AuditEventDto[] };
}

export type CommandName = keyof Commands;

/** A backend that answers commands; the demo implements this. */
export type Backend = <C extends CommandName>(cmd: C, args: Commands[C]['args']) => Promise<Commands[C]['result']>;

let demoBackend: Promise<Backend> | null = null;

const DEMO = import.meta.env.VITE_KEYWARD_DEMO === '1' && import.meta.env.MODE !== 'production';

/** True when this is the browser demo (no desktop backend). */
export function demoEnabled(): boolean {
  return DEMO && !isTauri();
}

async function call<C extends CommandName>(cmd: C, args: Commands[C]['args']): Promise<Commands[C]['result']> {
  try {
    if (isTauri()) {
      return await invoke<Commands[C]['result']>(cmd, args);
    }
    if (DEMO) {
      demoBackend ??= import('./demo').then((m) => m.createDemoBackend());
      const backend = await demoBackend;
      return await backend(cmd, args);
    }
  } catch (error) {
    throw toAppError(error);
  }
  throw new AppError('internal', 'Keyward must run inside its desktop window.');
}

export const api = {
  keysList: () => call('keys_list', {}),
  keyShow: (id: string) => call('key_show', { id }),
  keyDetect: (value: string) => call('key_detect', { value }),
  keyAdd: (input: NewKeyInput) => call('key_add', { input }),
  keyUpdate: (id: string, patch: KeyPatch) => call('key_update', { id, patch }),
  keyRemove: (id: string) => call('key_remove', { id }),
  keyCopy: (id: string) => call('key_copy', { id }),
  importPreview: (path: string, options: ImportOptions) => call('import_preview', { path, options }),
  importCommit: (path: string, options: ImportOptions) => call('import_commit', { path, options }),
  providersList: () => call('providers_list', {}),
  settingsGet: () => call('settings_get', {}),
  settingsUpdate: (patch: SettingsPatch) => call('settings_update', { patch }),
  keychainStatus: () => call('keychain_status', {}),
  auditList: (keyId: string | null) => call('audit_list', { keyId }),
};

export type Api = typeof api;

/** File filters of the import dialog (`.env` files are hidden files on Linux: Ctrl+H shows them). */
export const IMPORT_FILTERS = [
  { name: 'Environment or CSV files', extensions: ['env', 'csv'] },
  { name: 'All files', extensions: ['*'] },
];

/**
 * Opens the native open-file dialog; resolves to the chosen path or `null` when cancelled.
 * Not available outside the desktop window.
 */
export async function pickImportFile(): Promise<string | null> {
  if (!isTauri()) {
    throw new AppError('internal', 'The file dialog is only available in the desktop window; type a path instead.');
  }
  try {
    const picked = await open({ title: 'Import keys', multiple: false, directory: false, filters: IMPORT_FILTERS });
    return typeof picked === 'string' ? picked : null;
  } catch (error) {
    throw toAppError(error);
  }
}
