// Pins the TypeScript IPC types to the Rust DTOs. `ipc-samples.json` is written by the Rust
// test `tests/ipc_contract.rs` from real DTO values; here every sample's keys must equal the
// keys of its TypeScript type. The key lists are checked against the types at compile time
// (svelte-check), so a field added on either side fails one of the two checks.
import { describe, expect, it } from 'vitest';
import samples from '../src/lib/ipc-samples.json';
import type {
  AcknowledgementDto,
  AuditEventDto,
  BulkAcknowledgedDto,
  ConnectionDto,
  ConnectionOptions,
  CopyDto,
  DetectionDto,
  EnvironmentDto,
  EnvironmentPolicyDto,
  Finding,
  ImportLineError,
  ImportPreviewDto,
  ImportResultDto,
  ImportRowDto,
  InventoryChangedDto,
  KeyDetailDto,
  KeyAddedDto,
  KeyDto,
  KeychainStatusDto,
  KindDto,
  LinkCandidateDto,
  PickedFileDto,
  PolicyDto,
  ProviderDto,
  ProviderFactDto,
  PurposeDto,
  RemoteKeyDto,
  ReviewDto,
  ReviewExportDto,
  ReviewGroupDto,
  ReviewItemDto,
  ReviewProviderFactDto,
  RotationPointDto,
  SettingsDto,
  SyncResultDto,
  VerifyProgressDto,
  VerifyResultDto,
} from '../src/lib/types';
import type {
  CreatedKeyDto,
  OperationsDto,
  RecoveryDto,
  RevealDto,
  RevokeResultDto,
  RotationDto,
  RotationEventDto,
  RotationOutcomeDto,
  RotationPlanDto,
  GraceDefaultsDto,
} from '../src/lib/types';
import type {
  SharingDto,
  TeamChangedDto,
  TeamEventDto,
  TeamFindingDto,
  TeamKeyRowDto,
  TeamKeysDto,
  TeamMemberSummaryDto,
  TeamReviewDto,
  TeamStatusDto,
  TeamSyncReportDto,
  TeamWeekCountDto,
} from '../src/lib/types';
import { ERROR_CODES, VERIFY_OUTCOMES } from '../src/lib/types';
import type { FirstLoadDto, KeyColumns, KeysChunkDto, KeysPageDto } from '../src/lib/types';
import type { FindingRow, KeyRowDto } from '../src/lib/types';

/** Accepts exactly the keys of T: a missing key or an unknown one is a type error. */
function keysOf<T>() {
  return <const K extends readonly (keyof T)[]>(keys: K & ([keyof T] extends [K[number]] ? unknown : never)) => keys;
}

const contract: Record<string, readonly string[]> = {
  key_added: keysOf<KeyAddedDto>()(['key', 'warning']),
  key: keysOf<KeyDto>()([
    'id', 'provider', 'kind', 'name', 'environment', 'purpose', 'owner', 'tags', 'scopes', 'remote_id', 'env_var',
    'created_at', 'last_rotated_at', 'last_used_at', 'last_verified_at', 'expires_at', 'status', 'fingerprint',
    'masked_hint', 'updated_at', 'connection_id', 'verify_outcome', 'verify_detail', 'usage', 'region', 'role', 'findings',
    'state',
  ]),
  finding: keysOf<Finding>()(['code', 'severity', 'attention', 'message', 'advice', 'action', 'excess_scopes', 'acknowledged']),
  audit_event: keysOf<AuditEventDto>()(['id', 'at', 'actor', 'action', 'key_id', 'key_name', 'detail']),
  key_detail: keysOf<KeyDetailDto>()(['key', 'audit', 'secret_present']),
  detection: keysOf<DetectionDto>()([
    'provider', 'kind', 'confidence', 'needs_confirmation', 'alternatives', 'reason', 'masked_hint',
  ]),
  copy: keysOf<CopyDto>()(['timeout_secs', 'clears_at']),
  import_preview: keysOf<ImportPreviewDto>()(['format', 'rows', 'errors']),
  import_row: keysOf<ImportRowDto>()([
    'line', 'name', 'provider', 'kind', 'environment', 'purpose', 'masked_hint', 'env_var', 'created_at', 'last_rotated_at',
    'warning', 'suggested', 'reason',
  ]),
  import_line_error: keysOf<ImportLineError>()(['line', 'message']),
  import_result: keysOf<ImportResultDto>()(['imported', 'keys']),
  provider: keysOf<ProviderDto>()(['id', 'display_name', 'dashboard_url', 'kinds', 'purposes', 'regions', 'custom', 'facts']),
  kind: keysOf<KindDto>()([
    'id', 'display_name', 'presentation', 'presentation_name', 'prefix', 'privilege', 'client_safe',
    'dashboard_url', 'notes', 'operations',
  ]),
  purpose: keysOf<PurposeDto>()(['id', 'label', 'minimal_kind', 'scopes']),
  environment: keysOf<EnvironmentDto>()(['name', 'position']),
  settings: keysOf<SettingsDto>()(['clipboard_timeout_secs', 'environments', 'data_dir', 'default_owner']),
  keychain_status: keysOf<KeychainStatusDto>()(['state', 'message', 'fix', 'backend']),
  app_error: ['code', 'message'],
  connection: keysOf<ConnectionDto>()(['id', 'name', 'provider', 'base_url', 'admin_key_id', 'options', 'created_at']),
  verify_result: keysOf<VerifyResultDto>()(['id', 'name', 'environment', 'provider', 'outcome', 'code', 'detail']),
  verify_progress: keysOf<VerifyProgressDto>()(['done', 'total', 'result']),
  remote_key: keysOf<RemoteKeyDto>()(['remote_id', 'name', 'kind', 'scopes', 'masked_hint', 'has_value', 'known_key_id', 'environment']),
  link_candidate: keysOf<LinkCandidateDto>()(['remote_id', 'name', 'kind', 'masked_hint', 'matches']),
  sync_result: keysOf<SyncResultDto>()(['imported', 'refreshed']),
  // ---- create / rotate / revoke (issue 5) ----
  operations: keysOf<OperationsDto>()(['list', 'create', 'roll', 'revoke', 'verify']),
  rotation: keysOf<RotationDto>()([
    'id', 'key_id', 'key_name', 'provider', 'environment', 'flavour', 'state', 'last_step', 'grace_secs',
    'started_at', 'updated_at', 'revoke_after', 'waiting_for', 'error_code', 'error', 'note',
  ]),
  rotation_plan: keysOf<RotationPlanDto>()([
    'key_id', 'key_name', 'provider', 'environment', 'flavour', 'grace_secs', 'scopes', 'widened', 'dashboard_url',
    'notes', 'blocked', 'value_unknown', 'value_loss', 'grace_is_default',
  ]),
  grace_defaults: keysOf<GraceDefaultsDto>()(['environments', 'default_secs']),
  rotation_event: keysOf<RotationEventDto>()([
    'rotation_id', 'key_id', 'key_name', 'flavour', 'step', 'kind', 'message', 'done', 'total',
  ]),
  rotation_outcome: keysOf<RotationOutcomeDto>()(['key_id', 'rotation', 'error_code', 'message', 'reveal_token']),
  created_key: keysOf<CreatedKeyDto>()(['key', 'widened_scopes', 'reveal_token']),
  reveal: keysOf<RevealDto>()(['value']),
  revoke_result: keysOf<RevokeResultDto>()(['key', 'confirmed_dead', 'message']),
  recovery: keysOf<RecoveryDto>()(['rotation_id', 'key_id', 'key_name', 'action', 'step', 'detail']),
  // findings + team review (issue 6)
  acknowledgement: keysOf<AcknowledgementDto>()(['reason', 'until', 'at', 'actor']),
  policy: keysOf<PolicyDto>()(['default', 'environments', 'notify_due']),
  environment_policy: keysOf<EnvironmentPolicyDto>()(['environment', 'max_age_days', 'unused_days', 'expiring_days']),
  review: keysOf<ReviewDto>()([
    'generated_at', 'total', 'groups', 'overdue', 'due_soon', 'rotations', 'finding_counts', 'keychain_checked',
    'action_count', 'quiet_count', 'provider_facts',
  ]),
  review_group: keysOf<ReviewGroupDto>()(['environment', 'provider', 'total', 'by_status', 'overdue', 'due_soon']),
  review_item: keysOf<ReviewItemDto>()(['key_id', 'name', 'environment', 'provider', 'owner', 'due_at', 'days_left', 'cause']),
  rotation_point: keysOf<RotationPointDto>()(['period', 'rotations']),
  review_export: keysOf<ReviewExportDto>()(['path', 'bytes']),
  picked_file: keysOf<PickedFileDto>()(['handle', 'name']),
  inventory_changed: keysOf<InventoryChangedDto>()(['change']),
  // issue 14: the window's first page
  keys_page: keysOf<KeysPageDto>()(['total', 'offset', 'keys']),
  first_load: keysOf<FirstLoadDto>()(['page', 'providers', 'settings', 'ui_font']),
  keys_chunk: keysOf<KeysChunkDto>()(['total', 'offset', 'values', 'findings', 'finding_lists', 'tag_lists', 'columns']),
  // issue 14: the compact list row
  key_row: keysOf<KeyRowDto>()([
    'id', 'provider', 'kind', 'name', 'environment', 'purpose', 'owner', 'tags', 'created_at', 'last_rotated_at',
    'last_verified_at', 'expires_at', 'status', 'masked_hint', 'verify_outcome', 'verify_detail', 'role', 'findings', 'state',
  ]),
  finding_row: keysOf<FindingRow>()(['code', 'severity', 'attention', 'action', 'acknowledged']),
  // issue 16: severity of attention, provider facts, bulk acknowledge
  provider_fact: keysOf<ProviderFactDto>()(['kind', 'kind_name', 'fact', 'advice']),
  review_provider_fact: keysOf<ReviewProviderFactDto>()([
    'provider', 'provider_name', 'key_kind', 'key_kind_name', 'keys', 'fact', 'advice',
  ]),
  bulk_acknowledged: keysOf<BulkAcknowledgedDto>()(['acknowledged', 'until']),
  // the team on PostgreSQL (issue 15)
  team_sharing: keysOf<SharingDto>()(['environments', 'hints']),
  team_status: keysOf<TeamStatusDto>()(['url', 'member', 'schema_version', 'queued', 'last_sync_at', 'last_error', 'sharing']),
  team_sync_report: keysOf<TeamSyncReportDto>()(['published', 'pulled', 'as_of']),
  team_keys: keysOf<TeamKeysDto>()(['as_of', 'rows']),
  team_key_row: keysOf<TeamKeyRowDto>()([
    'member', 'key_id', 'provider', 'kind', 'name', 'environment', 'purpose', 'owner', 'tags', 'scopes', 'status', 'state',
    'created_at', 'updated_at', 'last_rotated_at', 'next_rotation_due', 'expires_at', 'rotation', 'findings', 'hint',
  ]),
  team_finding: keysOf<TeamFindingDto>()(['kind', 'attention', 'severity', 'reason']),
  team_review: keysOf<TeamReviewDto>()(['as_of', 'keys', 'overdue', 'due_soon', 'rotations_per_week', 'members']),
  team_week_count: keysOf<TeamWeekCountDto>()(['week_start', 'rotations', 'revocations']),
  team_member_summary: keysOf<TeamMemberSummaryDto>()(['member', 'keys', 'overdue', 'needs_action', 'last_published_at']),
  team_event: keysOf<TeamEventDto>()(['member', 'key_id', 'key_name', 'action', 'at']),
  team_changed: keysOf<TeamChangedDto>()(['change']),
};

/** Connection options omit absent fields: a sample holds some of these, never another. */
const CONNECTION_OPTIONS = keysOf<ConnectionOptions>()(['project_id', 'account_id', 'probe_path']);

describe('IPC contract', () => {
  const all = samples as Record<string, Record<string, unknown>>;

  it('has a TypeScript key list for every Rust sample', () => {
    // Both ways: a sample without a key list, or a key list without a sample, fails.
    expect(Object.keys(all).sort()).toEqual(Object.keys(contract).sort());
  });

  for (const [name, keys] of Object.entries(contract)) {
    it(`${name}: Rust and TypeScript agree on the fields`, () => {
      expect(all[name], `ipc-samples.json has no "${name}" sample`).toBeDefined();
      expect(Object.keys(all[name]).sort()).toEqual([...keys].sort());
    });
  }

  it('connection options use only the known fields', () => {
    const options = all.connection.options as Record<string, unknown>;
    for (const key of Object.keys(options)) expect(CONNECTION_OPTIONS as readonly string[]).toContain(key);
  });

  it('a progress message carries a whole verify result', () => {
    const result = all.verify_progress.result as Record<string, unknown>;
    expect(Object.keys(result).sort()).toEqual([...contract.verify_result].sort());
  });

  it('a chunk has one column per list row field', () => {
    const columns = keysOf<KeyColumns>()([
      'id', 'provider', 'kind', 'name', 'environment', 'purpose', 'owner', 'tags', 'created_at', 'last_rotated_at',
      'last_verified_at', 'expires_at', 'status', 'masked_hint', 'verify_outcome', 'verify_detail', 'role', 'findings', 'state',
    ]);
    expect(Object.keys(all.keys_chunk.columns as Record<string, unknown>).sort()).toEqual([...columns].sort());
    expect([...columns].sort()).toEqual([...contract.key_row].sort());
  });

  it('sync results carry whole keys', () => {
    for (const key of all.sync_result.imported as Record<string, unknown>[]) {
      expect(Object.keys(key).sort()).toEqual([...contract.key].sort());
    }
  });

  it('knows the sample error code', () => {
    expect(ERROR_CODES).toContain(all.app_error.code);
  });

  it('samples use the enum spellings the types expect', () => {
    expect(['active', 'pending', 'grace', 'revoked', 'invalid']).toContain(all.key.status);
    expect(['high', 'medium', 'low']).toContain(all.detection.confidence);
    expect(['env', 'csv']).toContain(all.import_preview.format);
    expect(['public', 'read_only', 'scoped', 'full']).toContain(all.kind.privilege);
    expect(['header', 'bearer', 'body_field', 'query']).toContain(all.kind.presentation);
    expect(VERIFY_OUTCOMES).toContain(all.verify_result.outcome);
    if (all.key.verify_outcome !== null) expect(['valid', 'invalid', 'expired', 'disabled']).toContain(all.key.verify_outcome);
  });
});
