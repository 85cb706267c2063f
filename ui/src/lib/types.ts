// Transport types of the IPC contract between the Keyward desktop shell (Rust) and this UI.
// They mirror the JSON the `#[tauri::command]`s return; no type here ever carries a key's value,
// except `NewKeyInput.secret`, which only travels from the password field to `key_add`.

export type KeyStatus = 'active' | 'pending' | 'grace' | 'revoked' | 'invalid';

export const KEY_STATUSES: readonly KeyStatus[] = ['active', 'pending', 'grace', 'revoked', 'invalid'];

export interface Finding {
  /** The finding's kind (`FindingKind`); unknown kinds from a newer core still render. */
  code: string;
  severity: FindingSeverity;
  /** Why: the facts behind the finding. */
  message: string;
  /** What to do. */
  advice: string;
  /** The core's suggested fix (rotate, narrow, revoke, edit, verify, remove). */
  action: string;
  /** Over-privileged: what the key holds beyond its purpose (else empty). */
  excess_scopes: string[];
  /** Set while an acknowledgement is in force (expired ones are dropped by the backend). */
  acknowledged: AcknowledgementDto | null;
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
  /** Last definite verification answer (a failed call changes nothing, so never 'error'). */
  verify_outcome: KeyVerifyOutcome | null;
  verify_detail: string | null;
  /** Where the key is used (server, web, mobile, desktop, ci, local); `null`: not stated. */
  usage: string | null;
  /** The key's findings, acknowledged ones included (marked). */
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
  /** For keys that existed before Keyward (RFC 3339); absent/`null`: now. */
  created_at?: string | null;
  last_rotated_at?: string | null;
}

export interface KeyPatch {
  name?: string;
  environment?: string;
  purpose?: string;
  owner?: string | null;
  tags?: string[];
  scopes?: string[];
  env_var?: string;
  /** `null` = not stated. */
  usage?: string | null;
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
  /** From the CSV's created/last-rotated columns (created defaults to the import's time). */
  created_at: string;
  last_rotated_at: string | null;
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
  'export_failed',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

// ---------------------------------------------------------------- findings + review (issue 6)

export type FindingSeverity = 'info' | 'low' | 'medium' | 'high' | 'critical';

export type FindingKind =
  | 'stale'
  | 'unused'
  | 'expiring'
  | 'expired'
  | 'invalid'
  | 'over_privileged'
  | 'client_exposed'
  | 'reused'
  | 'orphaned'
  | 'incomplete';

export const FINDING_KINDS: readonly FindingKind[] = [
  'expired',
  'invalid',
  'stale',
  'expiring',
  'over_privileged',
  'client_exposed',
  'reused',
  'orphaned',
  'unused',
  'incomplete',
];

/** The fix a finding offers: rotate, narrow (least-privilege replacement), revoke, edit metadata, or verify again. */
export type FindingFix = 'rotate' | 'narrow' | 'revoke' | 'edit' | 'verify';

export interface AcknowledgementDto {
  reason: string;
  /** RFC 3339: the finding shows again from then on. */
  until: string;
  at: string;
  actor: string;
}

export interface AcknowledgeInput {
  key_id: string;
  kind: string;
  reason: string;
  /** RFC 3339; `null`: the core's default (90 days). At most a year ahead. */
  until: string | null;
}

/** Thresholds of one environment, in days. */
export interface EnvironmentPolicyDto {
  environment: string;
  max_age_days: number;
  unused_days: number;
  expiring_days: number;
}

export interface PolicyDto {
  /** For environments without their own line. */
  default: EnvironmentPolicyDto;
  environments: EnvironmentPolicyDto[];
  /** Desktop notification when keys become due (at start and daily). */
  notify_due: boolean;
}

export interface PolicyPatch {
  default?: EnvironmentPolicyDto;
  environments?: EnvironmentPolicyDto[];
  notify_due?: boolean;
}

export interface ReviewGroupDto {
  environment: string;
  provider: string;
  total: number;
  by_status: Partial<Record<KeyStatus, number>>;
  overdue: number;
  due_soon: number;
}

/** A key in the overdue or due-soon list. */
export interface ReviewItemDto {
  key_id: string;
  name: string;
  environment: string;
  provider: string;
  owner: string | null;
  /** When the key is (or was) due for rotation or expires; RFC 3339. */
  due_at: string;
  /** Whole days until due; negative: overdue by that many days. */
  days_left: number;
  /** Which date this is: `rotation` or `expiry`. */
  cause: string;
}

export interface RotationPointDto {
  /** First day of the week, YYYY-MM-DD. */
  period: string;
  rotations: number;
}

export interface ReviewDto {
  generated_at: string;
  total: number;
  groups: ReviewGroupDto[];
  overdue: ReviewItemDto[];
  due_soon: ReviewItemDto[];
  /** Oldest first. */
  rotations: RotationPointDto[];
  /** Open (unacknowledged) findings of each kind; kinds with none left out. */
  finding_counts: Partial<Record<string, number>>;
  /** Whether the keychain could be listed (orphan findings need it). */
  keychain_checked: boolean;
}

export type ReviewFormat = 'csv' | 'json' | 'md' | 'html';

export interface ReviewExportDto {
  path: string;
  bytes: number;
}
