// Transport types of the IPC contract between the Keyward desktop shell (Rust) and this UI.
// They mirror the JSON the `#[tauri::command]`s return; no type here ever carries a key's value,
// except `NewKeyInput.secret`, which only travels from the password field to `key_add`.

export type KeyStatus = 'active' | 'pending' | 'grace' | 'revoked' | 'invalid';

export const KEY_STATUSES: readonly KeyStatus[] = ['active', 'pending', 'grace', 'revoked', 'invalid'];
/** The one state a key shows: its status, overruled by the provider's answer (disabled,
 *  expired, invalid) and by a passed expiry date. Derived in Rust (`KeyState::of`). */
export type KeyState = KeyStatus | 'disabled' | 'expired';
/** Every state a key can show, in the status filter's order. */
export const KEY_STATES: readonly KeyState[] = ['active', 'pending', 'grace', 'disabled', 'expired', 'invalid', 'revoked'];

export interface Finding {
  /** The finding's kind (`FindingKind`); unknown kinds from a newer core still render. */
  code: string;
  severity: FindingSeverity;
  /** Where it shows: `action` as a badge in the list; `warning` / `info` quietly in the detail. */
  attention: FindingAttention;
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

export type FindingAttention = 'action' | 'warning' | 'info';

/** True of every key of a provider's kind and not changeable per key; said once on the provider. */
export interface ProviderFactDto {
  kind: string;
  kind_name: string;
  fact: string;
  advice: string;
}

/** A provider fact in the review, with how many keys it concerns. */
export interface ReviewProviderFactDto {
  provider: string;
  provider_name: string;
  key_kind: string;
  key_kind_name: string;
  keys: number;
  fact: string;
  advice: string;
}

/** One finding kind acknowledged on every key of a provider and/or environment. */
export interface BulkAcknowledgeInput {
  kind: string;
  provider?: string | null;
  environment?: string | null;
  reason: string;
  until?: string | null;
}

export interface BulkAcknowledgedDto {
  acknowledged: number;
  until: string | null;
}

export type KeyUsage = 'server' | 'web' | 'mobile' | 'desktop' | 'ci' | 'local';
/** `connection_admin`: a provider API's admin credential, stored by connecting the provider. */
export type KeyRole = 'service' | 'connection_admin';

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
  /** The provider's region the key belongs to (`eu`) when it has no connection; absent/`null`: not chosen. */
  region?: string | null;
  /** Absent: `service` (fixtures and the demo's ordinary keys). */
  role?: KeyRole;
  /** The key's findings, acknowledged ones included (marked). */
  findings: Finding[];
  /** The one state to show; absent (demo fixtures): `status`. */
  state?: KeyState;
}

/** A finding on a list row (issue 14): its kind and how loud it is; its text comes with the full key. */
export interface FindingRow {
  code: string;
  severity: FindingSeverity;
  attention: FindingAttention;
  action: string;
  /** Whether an acknowledgement is in force (its reason: with the full key). */
  acknowledged: boolean;
}

/**
 * A key as the list shows it (issue 14: `keys_page`, `keys_stream`): what the list renders,
 * sorts, filters, searches and groups by. The detail panel opens the full `KeyDto` (`key_get`).
 */
export interface KeyRowDto {
  id: string;
  provider: string;
  kind: string;
  name: string;
  environment: string;
  purpose: string;
  owner: string | null;
  tags: string[];
  /** RFC 3339 */
  created_at: string;
  last_rotated_at: string | null;
  last_verified_at: string | null;
  expires_at: string | null;
  status: KeyStatus;
  masked_hint: string;
  verify_outcome: KeyVerifyOutcome | null;
  verify_detail: string | null;
  /** Absent: `service`. */
  role?: KeyRole;
  /** The backend sends `FindingRow`s; a full key used as a row (fixtures, the demo) keeps its own. */
  findings: AnyFinding[];
  /** The one state to show; absent (demo fixtures): `status`. */
  state?: KeyState;
}

/** A finding as a list row has it, or whole (with its text). */
export type AnyFinding = Finding | FindingRow;

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

/** What `key_detect` gets instead of the value (see lib/shape.ts). */
export interface KeyShape {
  prefix: string;
  classes: string;
  tail: string;
}

/** An import file picked in the native dialog the backend opened: a handle, never a path. */
export interface PickedFileDto {
  handle: string;
  name: string;
}

/** A provider page the backend opens from the provider's profile (the window names no URL). */
export type ProviderPage = 'dashboard' | 'docs';

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
  /** One of the provider's regions (`eu`) for a key without a connection. */
  region?: string | null;
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

/** `key_add`'s answer: the key, and a warning when the value does not look like the provider's keys. */
export interface KeyAddedDto {
  key: KeyDto;
  /** "This does not look like a … ; stored anyway" (never the value); `null` when it fits. */
  warning: string | null;
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
  /** The value does not look like the provider's keys; it is imported anyway (never the value). */
  warning: string | null;
  /** Ticked in the preview: a key, not configuration such as `DEBUG=true` (issue 16). */
  suggested: boolean;
  /** Why it is (not) suggested, e.g. "a log level, not a key" (never the value). */
  reason: string;
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
  /** How Keyward can create / roll / revoke this kind (absent from older backends: treat as manual). */
  operations?: OperationsDto;
}

export interface PurposeDto {
  id: string;
  label: string;
  minimal_kind: string;
  scopes: string[];
}

/** One hosted region of a provider's API; a key belongs to one. */
export interface RegionDto {
  id: string;
  label: string;
  base_url: string;
}

export interface ProviderDto {
  id: string;
  display_name: string;
  dashboard_url: string;
  kinds: KindDto[];
  purposes: PurposeDto[];
  /** Hosted regions; empty or absent: one global API. */
  regions?: RegionDto[];
  custom: boolean;
  /** Facts of the provider's kinds (e.g. no scopes: full access), shown once here. */
  facts?: ProviderFactDto[];
}

export interface EnvironmentDto {
  name: string;
  position: number;
}

export interface SettingsDto {
  clipboard_timeout_secs: number;
  environments: EnvironmentDto[];
  data_dir: string;
  /** Owner of keys Keyward files without one (synced, created); null: not set. */
  default_owner?: string | null;
}

export interface SettingsPatch {
  clipboard_timeout_secs?: number;
  /** Ordered names. */
  environments?: string[];
  /** Empty: clear it. */
  default_owner?: string;
}

export type KeychainState = 'ok' | 'unavailable' | 'slow' | 'locked' | 'denied' | 'error';

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
  /** One of the provider's regions (`eu`) instead of a base URL; `null`: none chosen. */
  region: string | null;
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
  /** Proposed environment for a new key: from its name ("Acme Staging" -> staging), else the connection's. */
  environment: string;
}

/** A key a connection lists, offered for linking a tracked key to it (`key_link_candidates`). */
export interface LinkCandidateDto {
  remote_id: string;
  name: string;
  kind: string;
  masked_hint: string;
  /** Looks like the key being linked (same value, or same kind and last characters). */
  matches: boolean;
}

export interface SyncResultDto {
  imported: KeyDto[];
  refreshed: KeyDto[];
}

// ---- create / rotate / revoke (issue 5) ----

/** How Keyward carries out one operation on a key kind. */
export type OpMode = 'api' | 'manual' | 'unsupported';

export interface OperationsDto {
  list: OpMode;
  create: OpMode;
  roll: OpMode;
  revoke: OpMode;
  verify: OpMode;
}

/** native_roll: the provider replaces the value (old dies at once); create_revoke: new key, old revoked after the grace; guided: dashboard + paste. */
export type RotationFlavour = 'native_roll' | 'create_revoke' | 'guided';

/** The journal's steps, in order. */
export type RotationStep = 'planned' | 'created' | 'verified' | 'promoted' | 'old_revoked' | 'done';

/** A step, or where a rotation ended early. */
export type RotationState = RotationStep | 'failed' | 'rolled_back';

/** One rotation of the journal. No secret. */
export interface RotationDto {
  id: string;
  key_id: string;
  key_name: string;
  provider: string;
  /** The key's environment ('' when the key is gone from the inventory). */
  environment: string;
  flavour: RotationFlavour;
  state: RotationState;
  /** The last step reached (for a failed or rolled back rotation: how far it got). */
  last_step: RotationStep;
  grace_secs: number;
  started_at: string;
  updated_at: string;
  /** When the old key is due to be revoked (create + revoke, after promotion). */
  revoke_after: string | null;
  /** Guided rotations wait for the user: 'paste' (the new key) or 'revoke_old' (confirm the old one is revoked). */
  waiting_for: 'paste' | 'revoke_old' | null;
  error_code: string | null;
  error: string | null;
  /** What recovery or the engine did that the user should know. */
  note: string | null;
}

/** What rotating one key would do, before anything happens. */
export interface RotationPlanDto {
  key_id: string;
  key_name: string;
  provider: string;
  environment: string;
  flavour: RotationFlavour;
  grace_secs: number;
  /** Scopes of the new key (create + revoke) and those beyond the purpose's least privilege. */
  scopes: string[];
  widened: string[];
  /** Where the user does a guided step (else the provider's dashboard). */
  dashboard_url: string;
  /** One sentence per thing the user should know. */
  notes: string[];
  /** Why this key cannot be rotated now; null when it can. */
  blocked: string | null;
  /** Keyward does not hold the value in use: the row runs only once the user accepts `value_loss`. */
  value_unknown: boolean;
  value_loss: string | null;
  /** `grace_secs` is the environment's default (Settings), not the user's choice. */
  grace_is_default: boolean;
}

export interface RotateInput {
  key_ids: string[];
  /** Overlap of old and new; > 0 turns a native roll into create + revoke where the provider allows. null/0: none. */
  grace_secs: number | null;
  /** Give the new key only its purpose's least-privilege scopes (an over-privileged finding's fix). */
  narrow: boolean;
  /** Keys without a known value whose "the value in use stops working" the user ticked. */
  accept_value_loss: string[];
}

/** The grace period rotations get by default, per environment (Settings). */
export interface GraceDefaultsDto {
  environments: EnvironmentGraceDto[];
  /** For environments without a line. */
  default_secs: number;
}

export interface EnvironmentGraceDto {
  environment: string;
  grace_secs: number;
}

/** One step of one key's rotation, streamed over a Channel while a rotation runs. */
export interface RotationEventDto {
  rotation_id: string;
  key_id: string;
  key_name: string;
  flavour: RotationFlavour;
  step: RotationState;
  /** step: the journal reached `step`; waiting: rate limited, will retry; stopped: resumable error in `message`; finished: as far as it can go now. */
  kind: 'step' | 'waiting' | 'stopped' | 'finished';
  message: string;
  /** Bulk: keys finished so far and in total. */
  done: number;
  total: number;
}

/** How one key's rotation ended in this run. */
export interface RotationOutcomeDto {
  key_id: string;
  rotation: RotationDto | null;
  error_code: string | null;
  /** What happened or why it stopped. */
  message: string;
  /** Lets the window ask for the new value once (`key_reveal`); null when there is nothing to reveal. */
  reveal_token: string | null;
}

export interface CreateKeyInput {
  /** false: the connection creates it through the API; true: the user made it in the dashboard and pastes it. */
  guided: boolean;
  /** API: the connection that creates it. Guided: the connection it is linked to and verified through (null: none). */
  connection_id: string | null;
  provider: string;
  kind: string;
  name: string;
  environment: string;
  /** A purpose id of the provider's catalogue, or free text. */
  purpose: string;
  /** API: the scopes granted; any beyond the purpose's proposal are recorded as a widening. */
  scopes: string[];
  /** Guided only: the pasted value, from the password field. */
  secret: string | null;
  /** Who answers for the key; empty or absent: the default owner setting. */
  owner?: string | null;
}

export interface CreatedKeyDto {
  key: KeyDto;
  /** Scopes granted beyond the purpose's least privilege (recorded in the audit trail). */
  widened_scopes: string[];
  /** One-time permission to show the value (`key_reveal`); null for a pasted key. */
  reveal_token: string | null;
}

/** The only DTO with a key's value: answered once, when the user presses "Show once". */
export interface RevealDto {
  value: string;
}

export interface RevokeResultDto {
  key: KeyDto;
  /** The provider answered 401 to the old value before Keyward marked it revoked. */
  confirmed_dead: boolean;
  message: string;
}

/** What start-up did with a rotation left unfinished (or a revocation that fell due). */
export interface RecoveryDto {
  rotation_id: string;
  key_id: string;
  key_name: string;
  /** resumed, rolled_back, adopted, rolled_again, flagged, revoked_orphan, stopped, old_key_revoked */
  action: string;
  step: RotationState;
  detail: string;
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
  'keychain_timeout',
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
  // issue 12: the provider decides validity; regions
  'provider_unusable_value',
  'provider_region_unknown',
  // issue 5: create / rotate / revoke
  'rotation_in_progress',
  'rotation_unsupported',
  'rotation_wrong_step',
  'rotation_leased',
  'rotation_lost_roll',
  'new_key_invalid',
  'old_key_still_valid',
  'already_revoked',
  'reveal_expired',
  'confirm_mismatch',
  'export_failed',
  // issue 13: files only through backend-opened dialogs, pages only from the profiles
  'file_not_picked',
  'dialog_failed',
  'open_failed',
  // issue 16: safe bulk rotation
  'rotation_needs_acceptance',
  'rotation_admin_in_batch',
  'rolled_new_key_invalid',
  // issue 15: the team on PostgreSQL
  'team_url_invalid',
  'team_auth_failed',
  'team_tls_required',
  'team_schema_outdated',
  'team_unreachable',
  'team_permission_denied',
  'team_not_joined',
  'team_database',
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
  /** Open findings that need action: the headline. */
  action_count: number;
  /** Open findings shown quietly (warning, info). */
  quiet_count: number;
  provider_facts: ReviewProviderFactDto[];
}

export type ReviewFormat = 'csv' | 'json' | 'md' | 'html';

export interface ReviewExportDto {
  path: string;
  bytes: number;
}

/** The inventory changed outside the window (issue 16), streamed to `inventory_watch`'s Channel. */
export interface InventoryChangedDto {
  /** Counts the changes seen since the app started. */
  change: number;
}

/** A page of the key list in the list's display order, and how many keys there are (issue 14). */
export interface KeysPageDto {
  total: number;
  offset: number;
  keys: KeyRowDto[];
}

/**
 * What the first paint needs (`keys_page(0, FIRST_PAGE)`, `providers_list`, `settings_get`),
 * sent by the backend with the window's first document (issue 14; `firstload.ts`).
 */
export interface FirstLoadDto {
  page: KeysPageDto;
  providers: ProviderDto[];
  settings: SettingsDto;
  /** The desktop's UI font family (Linux: GTK's setting), for `--font-ui`; null if unknown. */
  ui_font: string | null;
}

/**
 * Part of the whole key list, streamed by `keys_stream` (issue 14): keys `offset..` of `total`,
 * in columns with each repeated value sent once (decoded by `rowcolumns.ts`).
 */
export interface KeysChunkDto {
  total: number;
  offset: number;
  /** The distinct strings of the coded columns (and the tags), in order of first use. */
  values: string[];
  /** The distinct finding rows. */
  findings: FindingRow[];
  /** The distinct findings lists, as indexes into `findings`. */
  finding_lists: number[][];
  /** The distinct tag lists, as indexes into `values`. */
  tag_lists: number[][];
  columns: KeyColumns;
}

/** One array per `KeyRowDto` field; coded ones hold indexes (into `values`, or the lists). */
export interface KeyColumns {
  id: string[];
  provider: number[];
  kind: number[];
  name: string[];
  environment: number[];
  purpose: number[];
  owner: (number | null)[];
  /** Into `tag_lists`. */
  tags: number[];
  created_at: string[];
  last_rotated_at: (string | null)[];
  last_verified_at: (string | null)[];
  expires_at: (string | null)[];
  status: number[];
  masked_hint: string[];
  verify_outcome: (number | null)[];
  verify_detail: (string | null)[];
  role: number[];
  /** Into `finding_lists`. */
  findings: number[];
  state: number[];
}

// ---------------------------------------------------------------- the team (issue 15)

/** What a member shares with the team. */
export interface SharingDto {
  /** The environments shared; `null` = all. */
  environments: string[] | null;
  /** Whether masked hints are shared. */
  hints: boolean;
}

/** This member's membership; `team_status` answers `null` when not in a team. */
export interface TeamStatusDto {
  /** The server's URL, never with a password. */
  url: string;
  member: string;
  schema_version: number;
  /** Local changes waiting to be published. */
  queued: number;
  last_sync_at: string | null;
  /** The last sync's failure, value-free. */
  last_error: string | null;
  sharing: SharingDto;
}

export interface TeamSyncReportDto {
  published: number;
  pulled: number;
  as_of: string;
}

export interface TeamFindingDto {
  kind: string;
  attention: string;
  severity: string;
  reason: string;
}

/** One key of one member, metadata only. */
export interface TeamKeyRowDto {
  member: string;
  key_id: string;
  provider: string;
  kind: string;
  name: string;
  environment: string;
  purpose: string;
  owner: string | null;
  tags: string[];
  scopes: string[];
  status: string;
  state: string;
  created_at: string;
  updated_at: string;
  last_rotated_at: string | null;
  next_rotation_due: string | null;
  expires_at: string | null;
  /** An unfinished rotation's step. */
  rotation: string | null;
  findings: TeamFindingDto[];
  /** Only when that member shares hints. */
  hint: string | null;
}

export interface TeamKeysDto {
  /** When the pulled copy was taken; `null` = never synced. */
  as_of: string | null;
  rows: TeamKeyRowDto[];
}

export interface TeamFilterDto {
  member: string | null;
  owner: string | null;
  environment: string | null;
  provider: string | null;
  search: string | null;
}

export interface TeamReviewQueryDto {
  due_soon_days: number | null;
  filter: TeamFilterDto;
}

export interface TeamWeekCountDto {
  /** YYYY-MM-DD. */
  week_start: string;
  rotations: number;
  revocations: number;
}

export interface TeamMemberSummaryDto {
  member: string;
  keys: number;
  overdue: number;
  needs_action: number;
  last_published_at: string | null;
}

export interface TeamReviewDto {
  as_of: string | null;
  keys: TeamKeyRowDto[];
  /** Key ids. */
  overdue: string[];
  due_soon: string[];
  rotations_per_week: TeamWeekCountDto[];
  members: TeamMemberSummaryDto[];
}

export interface TeamEventDto {
  member: string;
  key_id: string;
  key_name: string;
  /** `rotated`, `revoked`, … */
  action: string;
  at: string;
}

/** The Team settings' join form; `password` is the password field's value (cleared afterwards). */
export interface TeamJoinInput {
  url: string;
  password: string;
}

/** The team data or the membership changed, streamed to `team_watch`'s Channel. */
export interface TeamChangedDto {
  change: number;
}
