// The one error type the UI sees. The backend rejects every command with `{code, message}`;
// the UI decides what to show and where from `code` alone, never from the message text.

import { ERROR_CODES, type ErrorCode } from './types';

const KNOWN = new Set<string>(ERROR_CODES);

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && KNOWN.has(value);
}

export class AppError extends Error {
  /** What went wrong, as one of the contract's codes (`internal` for anything unrecognised). */
  readonly code: ErrorCode;
  /** The code as the backend sent it, kept for diagnostics when it was not a known code. */
  readonly rawCode: string;

  constructor(code: ErrorCode, message: string, rawCode: string = code) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.rawCode = rawCode;
  }

  get isKeychain(): boolean {
    return isKeychainCode(this.code);
  }
}

export function isKeychainCode(code: ErrorCode): boolean {
  return (
    code === 'keychain_unavailable' ||
    code === 'keychain_locked' ||
    code === 'keychain_denied' ||
    code === 'keychain_error' ||
    code === 'keychain_timeout'
  );
}

/** Turns whatever `invoke` rejected with into an `AppError`. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const { code, message } = error as { code: unknown; message?: unknown };
    const text = typeof message === 'string' ? message : '';
    if (isErrorCode(code)) return new AppError(code, text);
    return new AppError('internal', text, typeof code === 'string' ? code : 'internal');
  }
  // Tauri itself rejects with a plain string for IPC-level failures (unknown command, bad args).
  if (typeof error === 'string') return new AppError('internal', error);
  if (error instanceof Error) return new AppError('internal', error.message);
  return new AppError('internal', '');
}

/** Plain words for each code, written for the person at the window. */
export const ERROR_MESSAGES: Record<ErrorCode, string> = {
  not_found: 'That key no longer exists — it may have been removed elsewhere.',
  invalid_input: 'Some of these details are not valid.',
  duplicate: 'A key with this name already exists in this environment.',
  unknown_provider: 'Keyward does not know this provider. Pick one from the list.',
  malformed_key: 'This value does not have the format of the selected provider and kind.',
  keychain_unavailable: 'No system keychain is reachable, so Keyward cannot store key values. Nothing was saved.',
  keychain_timeout: 'The system keychain is running but was too slow to answer. Keyward took back what it had started, so nothing was saved; try again in a moment.',
  keychain_locked: 'The system keychain is locked. Unlock it, then try again.',
  keychain_denied: 'Keyward was denied access to the system keychain. Allow access, then try again.',
  keychain_error: 'The system keychain reported an error. Try again; `keyward doctor` shows details.',
  secret_missing: 'This key\'s value is not in the system keychain. Run `keyward doctor` to see why.',
  ambiguous: 'More than one key matches. Pick the key from the list.',
  unknown_kind: 'This provider has no key kind by that name. Pick one from the list.',
  config: 'Keyward could not find or create its data directory.',
  clipboard_unavailable: 'The system clipboard is not available, so nothing was copied.',
  import_invalid: 'Some lines of this file cannot be imported. Nothing was imported.',
  storage: 'Keyward could not read or write its inventory database.',
  internal: 'Something went wrong inside Keyward.',
  invalid_url: 'This is not a valid web address. It looks like https://api.example.com.',
  insecure_url: 'Keyward talks to providers over https only; plain http is allowed for this computer (127.0.0.1/localhost) only.',
  provider_unauthorized: 'The provider did not accept this key: it is wrong, revoked or expired, or belongs to another account or region.',
  provider_missing_scope: 'The key lacks a permission this call needs.',
  provider_forbidden: 'The provider accepted the key but does not allow it to do this.',
  provider_not_found: 'The provider has nothing at this address. Check the base URL and the project or account id.',
  provider_rate_limited: 'The provider is limiting requests right now. Wait a little, then try again.',
  provider_rejected: 'The provider refused the request.',
  provider_unavailable: 'The provider could not be reached or did not answer in time. Check the base URL and the network, then try again.',
  provider_malformed: 'The provider answered with something its API does not document. Check the base URL.',
  manual_only: 'This provider has no API for that; do it in its dashboard.',
  provider_unusable_value: 'The provider says this value is not a well-formed key, so it cannot work: check that the whole key was copied.',
  provider_region_unknown:
    'Could not verify: the provider answered 401 on its default region, and the key may belong to another one (EU). Choose the key’s region on its connection, then verify again.',
  // issue 5: create / rotate / revoke
  rotation_in_progress: 'This key has an unfinished rotation. Finish it (Rotations) before starting another.',
  rotation_unsupported: 'Keyward cannot do this for this kind of key.',
  rotation_wrong_step: 'This rotation has moved on meanwhile. Reopen it to see where it stands.',
  rotation_leased: 'Another Keyward window or command is working on this rotation right now. Try again in a moment.',
  rotation_lost_roll: 'The provider rolled the key but its answer was lost, and rolling again failed. See Rotations for what is known.',
  new_key_invalid: 'The new key did not work at the provider, so Keyward did not use it. The old key is still current.',
  old_key_still_valid: 'The provider still accepts the old key. Revoke it in the dashboard, then confirm again.',
  already_revoked: 'This key is already revoked.',
  reveal_expired: 'The value can be shown only once, right after it was made. Use Copy instead.',
  confirm_mismatch: 'The name typed does not match the key\'s name.',
  export_failed: 'The review could not be written to that file.',
  file_not_picked: 'Choose the file in the file dialog first.',
  dialog_failed: 'The file dialog could not be opened.',
  open_failed: 'The browser could not be opened.',
  rotation_needs_acceptance: 'Keyward does not hold the value in use, so rotating stops it working. Tick “the value in use stops working” on the row to rotate it.',
  rotation_admin_in_batch: 'This is a connection’s admin key, which the other keys of this batch rotate through. Rotate it on its own, after them.',
  rolled_new_key_invalid: 'The provider rolled the key, so the old value no longer works; the new value did not verify and is kept as pending. See Rotations.',
  // issue 15: the team on PostgreSQL
  team_url_invalid: 'That is not a team database address. It looks like postgres://name@host:5432/database, without a password.',
  team_auth_failed: 'The team database refused this name and password.',
  team_tls_required: 'The team database must be reached over TLS; plain connections are allowed only to this computer.',
  team_schema_outdated: 'The team database was set up for another version of Keyward. Ask whoever runs it to upgrade the team.',
  team_unreachable: 'The team database cannot be reached right now. Changes stay queued and are sent when it is back.',
  team_permission_denied: 'The team database refused this change: a member may change only their own keys.',
  team_not_joined: 'This Keyward is not in a team.',
  team_database: 'The team database reported an error.',
};

/**
 * Codes whose backend message adds useful detail (which field, which line). The backend
 * guarantees messages never hold a secret; we still never echo it for `malformed_key`,
 * whose subject is the value itself.
 */
const DETAIL_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'invalid_input',
  'import_invalid',
  'storage',
  'internal',
  'keychain_error',
  'config',
  'invalid_url',
  'provider_unauthorized',
  'provider_forbidden',
  'provider_rate_limited',
  'provider_rejected',
  'provider_unavailable',
  'provider_malformed',
  'manual_only',
  'provider_region_unknown',
  'rotation_unsupported',
  'rotation_lost_roll',
  'new_key_invalid',
  'old_key_still_valid',
  'export_failed',
  'dialog_failed',
  'open_failed',
  'rotation_admin_in_batch',
  'rolled_new_key_invalid',
  'team_url_invalid',
  'team_unreachable',
  'team_permission_denied',
  'team_database',
]);

/**
 * The scope a `provider_missing_scope` error names. The backend's message carries it as
 * "… the scope 'project:read' …"; this reads the quoted name for display only (what the UI
 * does still follows from the code).
 */
export function missingScope(error: AppError): string | null {
  if (error.code !== 'provider_missing_scope') return null;
  const quoted = /['‘“"]([^'’”"]{1,100})['’”"]/.exec(error.message);
  return quoted ? quoted[1].trim() || null : null;
}

export function errorMessage(error: unknown): string {
  const e = toAppError(error);
  const base = ERROR_MESSAGES[e.code];
  const detail = e.message.trim();
  if (e.code === 'provider_missing_scope') {
    const scope = missingScope(e);
    if (scope) return `The key lacks the permission “${scope}” that this call needs. Add it to the key at the provider, then try again.`;
    return detail ? `${base} (${detail})` : base;
  }
  if (DETAIL_CODES.has(e.code) && detail && detail !== base) return `${base} (${detail})`;
  return base;
}

export type Form = 'add' | 'edit' | 'import' | 'settings' | 'connection';

/**
 * Which field of a form an error belongs next to; `general` means the form's own message line.
 */
export function errorField(code: ErrorCode, form: Form): string {
  switch (form) {
    case 'add':
      switch (code) {
        case 'malformed_key':
          return 'secret';
        case 'duplicate':
          return 'name';
        case 'unknown_provider':
          return 'provider';
        default:
          return 'general';
      }
    case 'edit':
      return code === 'duplicate' ? 'name' : 'general';
    case 'import':
      switch (code) {
        case 'unknown_provider':
          return 'provider';
        case 'not_found':
        case 'file_not_picked':
        case 'dialog_failed':
          return 'path';
        default:
          return 'general';
      }
    case 'settings':
      return 'general';
    case 'connection':
      switch (code) {
        case 'duplicate':
          return 'name';
        case 'unknown_provider':
          return 'provider';
        case 'invalid_url':
        case 'insecure_url':
        case 'provider_not_found':
        case 'provider_unavailable':
        case 'provider_malformed':
        case 'provider_region_unknown':
          return 'base_url';
        case 'malformed_key':
        case 'provider_unauthorized':
        case 'provider_forbidden':
        case 'provider_missing_scope':
        case 'provider_unusable_value':
          return 'admin_secret';
        default:
          return 'general';
      }
  }
}
