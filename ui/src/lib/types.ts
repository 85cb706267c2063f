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

export type KeyUsage = 'server' | 'web' | 'mobile' | 'desktop' | 'ci' | 'local';

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
  /** Last definite verification answer (a failed call changes nothing, so never 'error'). */
  verify_outcome: KeyVerifyOutcome | null;
  verify_detail: string | null;
  /** Where the key is used; web/mobile/desktop on a secret kind is a client-exposed finding. */
  usage: KeyUsage | null;
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

/** A definite answer from the provider about a key. */
export type KeyVerifyOutcome = 'valid' | 'invalid' | 'expired' | 'disabled';

/** One key's verification: a definite answer, or `error` / `skipped` (nothing was changed). */
export type VerifyOutcome = KeyVerifyOutcome | 'error' | 'skipped';

export const VERIFY_OUTCOMES: readonly VerifyOutcome[] = ['valid', 'invalid', 'expired', 'disabled', 'error', 'skipped'];

/** Provider-specific settings of a connection; a field is absent when not set. */
export interface ConnectionOptions {
  /** PostHog project whose secret keys to list. */
  project_id?: string;
  /** Cloudflare account whose account-owned tokens to verify. */
  account_id?: string;
  /** Verify-by-use probe path (Postmon, Postnomic), relative to the base URL. */
  probe_path?: string;
}

/** A provider account reached through its management API. */
export interface ConnectionDto {
  id: string;
  name: string;
  provider: string;
  base_url: string;
  /** The inventory key used as the admin credential, if any. */
  admin_key_id: string | null;
  options: ConnectionOptions;
  created_at: string;
}

export interface NewConnectionInput {
  provider: string;
  name: string;
  /** `null`: the provider's documented default. */
  base_url: string | null;
  project_id: string | null;
  account_id: string | null;
  probe_path: string | null;
  /** Where the admin key is filed in the inventory. */
  environment: string;
  /** The admin key's value, from the password field; `null` = no admin key. */
  admin_secret: string | null;
  /** Verify the admin key with the provider before saving anything. */
  test: boolean;
}

export interface VerifyResultDto {
  id: string;
  name: string;
  environment: string;
  provider: string;
  outcome: VerifyOutcome;
  /** The error code when `outcome` is `error` or `skipped`. */
  code: string | null;
  detail: string;
}

/** One step of "Verify all", streamed over a Channel. */
export interface VerifyProgressDto {
  done: number;
  total: number;
  result: VerifyResultDto;
}

/** A key the provider lists through a connection. Carries a masked hint, never a value. */
export interface RemoteKeyDto {
  remote_id: string;
  name: string;
  kind: string;
  scopes: string[];
  masked_hint: string;
  /** The provider hands over the value (imported into the keychain) or only metadata. */
  has_value: boolean;
  /** Already in the inventory: refreshed, not duplicated. */
  known_key_id: string | null;
}

export interface SyncResultDto {
  imported: KeyDto[];
  refreshed: KeyDto[];
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
  'invalid_url',
  'insecure_url',
  'provider_unauthorized',
  'provider_missing_scope',
  'provider_forbidden',
  'provider_not_found',
  'provider_rate_limited',
  'provider_rejected',
  'provider_unavailable',
  'provider_malformed',
  'manual_only',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];
