// Transport types of the IPC contract between the Keyward desktop shell (Rust) and this UI.
// They mirror the JSON the `#[tauri::command]`s return; no type here ever carries a key's value,
// except `NewKeyInput.secret`, which only travels from the password field to `key_add`.

export type KeyStatus = 'active' | 'pending' | 'grace' | 'revoked' | 'invalid';

export const KEY_STATUSES: readonly KeyStatus[] = ['active', 'pending', 'grace', 'revoked', 'invalid'];

export interface Finding {
  code: string;
  severity: 'info' | 'warning' | 'critical';
  message: string;
}

export interface KeyDto {
  id: string;
  provider: string;
  kind: string;
  name: string;
  environment: string;
  purpose: string;
  owner: string | null;
  tags: string[];
  scopes: string[];
  remote_id: string | null;
  env_var: string;
  /** RFC 3339 */
  created_at: string;
  last_rotated_at: string | null;
  last_used_at: string | null;
  last_verified_at: string | null;
  expires_at: string | null;
  status: KeyStatus;
  fingerprint: string | null;
  masked_hint: string;
  updated_at: string;
  /** The connection whose API serves this key, if any. */
  connection_id: string | null;
  /** Last definite verification answer: 'valid' | 'invalid' | 'expired' | 'disabled'. */
  verify_outcome: string | null;
  verify_detail: string | null;
  /** Empty until findings are computed by the core. */
  findings: Finding[];
}

export interface AuditEventDto {
  id: number;
  at: string;
  actor: string;
  action: string;
  key_id: string | null;
  key_name: string | null;
  detail: string;
}

export interface KeyDetailDto {
  key: KeyDto;
  audit: AuditEventDto[];
  /** `null` when the keychain cannot be asked (locked or unavailable). */
  secret_present: boolean | null;
}

export interface DetectionDto {
  provider: string;
  kind: string;
  confidence: 'high' | 'medium' | 'low';
  needs_confirmation: boolean;
  alternatives: string[];
  reason: string;
  masked_hint: string;
}

export interface NewKeyInput {
  secret: string;
  provider: string;
  kind: string;
  name: string;
  environment: string;
  purpose: string;
  owner: string | null;
  tags: string[];
  scopes: string[];
  env_var: string | null;
}

export interface KeyPatch {
  name?: string;
  environment?: string;
  purpose?: string;
  owner?: string | null;
  tags?: string[];
  scopes?: string[];
  env_var?: string;
}

export interface CopyDto {
  timeout_secs: number;
  clears_at: string;
}

export interface ImportOptions {
  environment: string | null;
  provider: string | null;
  purpose: string | null;
}

export interface ImportRowDto {
  line: number;
  name: string;
  provider: string;
  kind: string;
  environment: string;
  purpose: string;
  masked_hint: string;
  env_var: string;
}

export interface ImportLineError {
  line: number;
  message: string;
}

export interface ImportPreviewDto {
  format: 'env' | 'csv';
  rows: ImportRowDto[];
  errors: ImportLineError[];
}

export interface ImportResultDto {
  imported: number;
  keys: KeyDto[];
}

export type Presentation = 'header' | 'bearer' | 'body_field' | 'query';
export type Privilege = 'public' | 'read_only' | 'scoped' | 'full';

export interface KindDto {
  id: string;
  display_name: string;
  presentation: Presentation;
  presentation_name: string;
  prefix: string | null;
  privilege: Privilege;
  client_safe: boolean;
  dashboard_url: string;
  notes: string;
}

export interface PurposeDto {
  id: string;
  label: string;
  minimal_kind: string;
  scopes: string[];
}

export interface ProviderDto {
  id: string;
  display_name: string;
  dashboard_url: string;
  kinds: KindDto[];
  purposes: PurposeDto[];
  custom: boolean;
}

export interface EnvironmentDto {
  name: string;
  position: number;
}

export interface SettingsDto {
  clipboard_timeout_secs: number;
  environments: EnvironmentDto[];
  data_dir: string;
}

export interface SettingsPatch {
  clipboard_timeout_secs?: number;
  /** Ordered names. */
  environments?: string[];
}

export type KeychainState = 'ok' | 'unavailable' | 'locked' | 'denied' | 'error';

export interface KeychainStatusDto {
  state: KeychainState;
  message: string;
  fix: string;
  /** Which keychain answered, e.g. "Secret Service (service dev.keyward.app)". */
  backend: string;
}

export const ERROR_CODES = [
  'not_found',
  'invalid_input',
  'duplicate',
  'unknown_provider',
  'malformed_key',
  'keychain_unavailable',
  'keychain_locked',
  'keychain_denied',
  'keychain_error',
  'secret_missing',
  'ambiguous',
  'unknown_kind',
  'config',
  'clipboard_unavailable',
  'import_invalid',
  'storage',
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];
