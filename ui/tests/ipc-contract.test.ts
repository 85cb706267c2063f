// Pins the TypeScript IPC types to the Rust DTOs. `ipc-samples.json` is written by the Rust
// test `tests/ipc_contract.rs` from real DTO values; here every sample's keys must equal the
// keys of its TypeScript type. The key lists are checked against the types at compile time
// (svelte-check), so a field added on either side fails one of the two checks.
import { describe, expect, it } from 'vitest';
import samples from '../src/lib/ipc-samples.json';
import type {
  AuditEventDto,
  CopyDto,
  DetectionDto,
  EnvironmentDto,
  Finding,
  ImportLineError,
  ImportPreviewDto,
  ImportResultDto,
  ImportRowDto,
  KeyDetailDto,
  KeyDto,
  KeychainStatusDto,
  KindDto,
  ProviderDto,
  PurposeDto,
  SettingsDto,
} from '../src/lib/types';
import { ERROR_CODES } from '../src/lib/types';

/** Accepts exactly the keys of T: a missing key or an unknown one is a type error. */
function keysOf<T>() {
  return <const K extends readonly (keyof T)[]>(keys: K & ([keyof T] extends [K[number]] ? unknown : never)) => keys;
}

const contract: Record<string, readonly string[]> = {
  key: keysOf<KeyDto>()([
    'id', 'provider', 'kind', 'name', 'environment', 'purpose', 'owner', 'tags', 'scopes', 'remote_id', 'env_var',
    'created_at', 'last_rotated_at', 'last_used_at', 'last_verified_at', 'expires_at', 'status', 'fingerprint',
    'masked_hint', 'updated_at', 'connection_id', 'verify_outcome', 'verify_detail', 'findings',
  ]),
  finding: keysOf<Finding>()(['code', 'severity', 'message']),
  audit_event: keysOf<AuditEventDto>()(['id', 'at', 'actor', 'action', 'key_id', 'key_name', 'detail']),
  key_detail: keysOf<KeyDetailDto>()(['key', 'audit', 'secret_present']),
  detection: keysOf<DetectionDto>()([
    'provider', 'kind', 'confidence', 'needs_confirmation', 'alternatives', 'reason', 'masked_hint',
  ]),
  copy: keysOf<CopyDto>()(['timeout_secs', 'clears_at']),
  import_preview: keysOf<ImportPreviewDto>()(['format', 'rows', 'errors']),
  import_row: keysOf<ImportRowDto>()([
    'line', 'name', 'provider', 'kind', 'environment', 'purpose', 'masked_hint', 'env_var',
  ]),
  import_line_error: keysOf<ImportLineError>()(['line', 'message']),
  import_result: keysOf<ImportResultDto>()(['imported', 'keys']),
  provider: keysOf<ProviderDto>()(['id', 'display_name', 'dashboard_url', 'kinds', 'purposes', 'custom']),
  kind: keysOf<KindDto>()([
    'id', 'display_name', 'presentation', 'presentation_name', 'prefix', 'privilege', 'client_safe',
    'dashboard_url', 'notes',
  ]),
  purpose: keysOf<PurposeDto>()(['id', 'label', 'minimal_kind', 'scopes']),
  environment: keysOf<EnvironmentDto>()(['name', 'position']),
  settings: keysOf<SettingsDto>()(['clipboard_timeout_secs', 'environments', 'data_dir']),
  keychain_status: keysOf<KeychainStatusDto>()(['state', 'message', 'fix', 'backend']),
  app_error: ['code', 'message'],
};

describe('IPC contract', () => {
  const all = samples as Record<string, Record<string, unknown>>;

  it('has a TypeScript key list for every Rust sample', () => {
    expect(Object.keys(all).sort()).toEqual(Object.keys(contract).sort());
  });

  for (const [name, keys] of Object.entries(contract)) {
    it(`${name}: Rust and TypeScript agree on the fields`, () => {
      expect(Object.keys(all[name]).sort()).toEqual([...keys].sort());
    });
  }

  it('knows the sample error code', () => {
    expect(ERROR_CODES).toContain(all.app_error.code);
  });

  it('samples use the enum spellings the types expect', () => {
    expect(['active', 'pending', 'grace', 'revoked', 'invalid']).toContain(all.key.status);
    expect(['high', 'medium', 'low']).toContain(all.detection.confidence);
    expect(['env', 'csv']).toContain(all.import_preview.format);
    expect(['public', 'read_only', 'scoped', 'full']).toContain(all.kind.privilege);
    expect(['header', 'bearer', 'body_field', 'query']).toContain(all.kind.presentation);
  });
});
