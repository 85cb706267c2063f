// One typed wrapper per backend command. Every rejection becomes an `AppError` with a `code`.
//
// Inside the desktop window the calls go through Tauri's IPC. In a plain browser there is no
// backend; a build in a non-production mode with VITE_KEYWARD_DEMO=1 (`npm run dev:demo`, which
// uses `--mode demo` and `.env.demo`) then uses an in-memory demo backend, for looking at the UI.
// A production build never contains the demo: Vite replaces both `import.meta.env` values with
// constants and drops the dead branch, and vite.config.ts fails a production build that would
// bundle demo.ts all the same.

import { Channel, invoke, isTauri } from '@tauri-apps/api/core';
import type { BootTimings } from './boot';
import { AppError, toAppError } from './errors';
import type {
  AcknowledgeInput,
  AuditEventDto,
  BulkAcknowledgeInput,
  BulkAcknowledgedDto,
  ConnectionDto,
  CopyDto,
  DetectionDto,
  ImportOptions,
  ImportPreviewDto,
  ImportResultDto,
  InventoryChangedDto,
  KeyAddedDto,
  KeyDetailDto,
  KeyDto,
  KeyRowDto,
  KeyPatch,
  KeychainStatusDto,
  KeyShape,
  NewConnectionInput,
  NewKeyInput,
  PolicyDto,
  PickedFileDto,
  PolicyPatch,
  ProviderDto,
  ProviderPage,
  RemoteKeyDto,
  LinkCandidateDto,
  ReviewDto,
  ReviewExportDto,
  ReviewFormat,
  SettingsDto,
  SettingsPatch,
  SyncResultDto,
  VerifyProgressDto,
  VerifyResultDto,
} from './types';
import { ChunkDecoder } from './rowcolumns';
import type { KeysChunkDto, KeysPageDto } from './types';
import type {
  SharingDto,
  TeamChangedDto,
  TeamEventDto,
  TeamFilterDto,
  TeamJoinInput,
  TeamKeysDto,
  TeamReviewDto,
  TeamReviewQueryDto,
  TeamStatusDto,
  TeamSyncReportDto,
} from './types';
import type {
  CreateKeyInput,
  CreatedKeyDto,
  GraceDefaultsDto,
  RecoveryDto,
  RevealDto,
  RevokeResultDto,
  RotateInput,
  RotationDto,
  RotationEventDto,
  RotationOutcomeDto,
  RotationPlanDto,
} from './types';

export { AppError } from './errors';

/**
 * Where a command streams its progress: a Tauri `Channel` in the desktop window, a plain
 * object with the same `onmessage` in the browser demo.
 */
export interface ProgressChannel<T> {
  onmessage: (message: T) => void;
}

/** The page's start-up phases, from `performance.now()` (ms), sent with `app_ready`. */
export interface PageTimings extends BootTimings {
  script_ms: number;
  page_ms: number;
  render_ms: number;
  rows: number;
  total: number;
  /** The first page came with the document (`firstload.ts`), not over IPC. */
  with_document: boolean;
}

/** Every command of the contract: its invoke arguments (camelCase keys) and its result. */
export interface Commands {
  keys_list: { args: Record<string, never>; result: KeyDto[] };
  keys_page: { args: { offset: number; limit: number }; result: KeysPageDto };
  key_show: { args: { id: string }; result: KeyDetailDto };
  key_detect: { args: { shape: KeyShape }; result: DetectionDto };
  key_add: { args: { input: NewKeyInput }; result: KeyAddedDto };
  key_update: { args: { id: string; patch: KeyPatch }; result: KeyDto };
  key_remove: { args: { id: string }; result: null };
  key_copy: { args: { id: string }; result: CopyDto };
  import_file_pick: { args: Record<string, never>; result: PickedFileDto | null };
  import_preview: { args: { handle: string; options: ImportOptions }; result: ImportPreviewDto };
  /** `lines`: the rows ticked in the preview; `null` imports the suggested ones. */
  import_commit: { args: { handle: string; options: ImportOptions; lines: number[] | null }; result: ImportResultDto };
  providers_list: { args: Record<string, never>; result: ProviderDto[] };
  settings_get: { args: Record<string, never>; result: SettingsDto };
  settings_update: { args: { patch: SettingsPatch }; result: SettingsDto };
  keychain_status: { args: Record<string, never>; result: KeychainStatusDto };
  audit_list: { args: { keyId: string | null }; result: AuditEventDto[] };
  app_ready: { args: { timings?: PageTimings }; result: null };
  connections_list: { args: Record<string, never>; result: ConnectionDto[] };
  connection_add: { args: { input: NewConnectionInput }; result: ConnectionDto };
  connection_remove: { args: { name: string }; result: null };
  connection_test: { args: { name: string }; result: VerifyResultDto };
  key_verify: { args: { id: string }; result: KeyDto };
  keys_verify_all: { args: { onProgress: ProgressChannel<VerifyProgressDto> }; result: VerifyResultDto[] };
  sync_preview: { args: { connection: string }; result: RemoteKeyDto[] };
  sync_commit: {
    args: { connection: string; environment: string; only: string[] | null; environments?: Record<string, string> };
    result: SyncResultDto;
  };
  provider_page_open: { args: { provider: string; kind: string | null; page: ProviderPage }; result: null };
  // ---- create / rotate / revoke (issue 5) ----
  key_create: { args: { input: CreateKeyInput }; result: CreatedKeyDto };
  key_reveal: { args: { id: string; token: string }; result: RevealDto };
  rotation_plan: { args: { input: RotateInput }; result: RotationPlanDto[] };
  key_rotate: { args: { input: RotateInput; onEvent: ProgressChannel<RotationEventDto> }; result: RotationOutcomeDto[] };
  rotation_guided_submit: { args: { rotationId: string; secret: string }; result: RotationDto };
  rotation_guided_confirm: { args: { rotationId: string }; result: RotationDto };
  rotation_list: { args: Record<string, never>; result: RotationDto[] };
  rotation_recover: { args: Record<string, never>; result: RecoveryDto[] };
  key_revoke: { args: { id: string; confirmName: string }; result: RevokeResultDto };
  // findings + team review (issue 6)
  finding_acknowledge: { args: { input: AcknowledgeInput }; result: KeyDto };
  review_get: { args: Record<string, never>; result: ReviewDto };
  review_export: { args: { format: ReviewFormat }; result: ReviewExportDto | null };
  policy_get: { args: Record<string, never>; result: PolicyDto };
  rotation_grace_get: { args: Record<string, never>; result: GraceDefaultsDto };
  rotation_grace_update: { args: { defaults: GraceDefaultsDto }; result: GraceDefaultsDto };
  policy_update: { args: { patch: PolicyPatch }; result: PolicyDto };
  // the window follows the inventory (issue 16)
  inventory_watch: { args: { onChange: ProgressChannel<InventoryChangedDto> }; result: null };
  // link / unlink in the key's detail (issue 16)
  key_link_candidates: { args: { id: string; connection: string }; result: LinkCandidateDto[] };
  key_link: { args: { id: string; connection: string; remoteId: string | null }; result: KeyDto };
  key_unlink: { args: { id: string }; result: KeyDto };
  findings_acknowledge: { args: { input: BulkAcknowledgeInput }; result: BulkAcknowledgedDto };
  // the team on PostgreSQL (issue 15)
  team_status: { args: Record<string, never>; result: TeamStatusDto | null };
  team_join: { args: { input: TeamJoinInput }; result: TeamStatusDto };
  team_leave: { args: Record<string, never>; result: null };
  team_sync: { args: Record<string, never>; result: TeamSyncReportDto };
  team_sharing_update: { args: { sharing: SharingDto }; result: TeamStatusDto };
  team_keys: { args: { filter: TeamFilterDto | null }; result: TeamKeysDto };
  team_review: { args: { query: TeamReviewQueryDto | null }; result: TeamReviewDto };
  team_review_export: { args: { format: ReviewFormat; query: TeamReviewQueryDto | null }; result: ReviewExportDto | null };
  team_events: { args: { limit: number | null }; result: TeamEventDto[] };
  team_watch: { args: { onChange: ProgressChannel<TeamChangedDto> }; result: null };
  keys_stream: { args: { onChunk: ProgressChannel<KeysChunkDto> }; result: number };
  key_get: { args: { id: string }; result: KeyDto };
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
  /** Keys `offset..offset + limit` in the list's display order, and the total (start-up). */
  keysPage: (offset: number, limit: number) => call('keys_page', { offset, limit }),
  keyShow: (id: string) => call('key_show', { id }),
  /** The full key behind a list row (issue 14), without the audit trail or a keychain question. */
  keyGet: (id: string) => call('key_get', { id }),
  /** Detection gets the value's shape (lib/shape.ts), never the value. */
  keyDetect: (shape: KeyShape) => call('key_detect', { shape }),
  keyAdd: (input: NewKeyInput) => call('key_add', { input }),
  keyUpdate: (id: string, patch: KeyPatch) => call('key_update', { id, patch }),
  keyRemove: (id: string) => call('key_remove', { id }),
  keyCopy: (id: string) => call('key_copy', { id }),
  /** The backend opens the native file dialog; `null` when cancelled. The window gets a handle, never a path. */
  importFilePick: () => call('import_file_pick', {}),
  importPreview: (handle: string, options: ImportOptions) => call('import_preview', { handle, options }),
  importCommit: (handle: string, options: ImportOptions, lines: number[] | null) => call('import_commit', { handle, options, lines }),
  providersList: () => call('providers_list', {}),
  settingsGet: () => call('settings_get', {}),
  settingsUpdate: (patch: SettingsPatch) => call('settings_update', { patch }),
  keychainStatus: () => call('keychain_status', {}),
  auditList: (keyId: string | null) => call('audit_list', { keyId }),
  /** The first inventory is on screen (logged by the backend; the start-up benchmark's signal). */
  /** The first inventory is painted; `timings` are the page's own start-up phases (ms). */
  appReady: (timings?: PageTimings) => call('app_ready', timings ? { timings } : {}),
  connectionsList: () => call('connections_list', {}),
  /** `input.admin_secret` is the password field's value; the caller clears the field afterwards. */
  connectionAdd: (input: NewConnectionInput) => call('connection_add', { input }),
  connectionRemove: (name: string) => call('connection_remove', { name }),
  /** Verifies the connection's admin key with the provider. */
  connectionTest: (name: string) => call('connection_test', { name }),
  /** Asks the provider about one key; rejects with a provider code (nothing changed) when it has no definite answer. */
  keyVerify: (id: string) => call('key_verify', { id }),
  /** Verifies every key that is not revoked; `onProgress` gets one message per key as it is answered. */
  keysVerifyAll: (onProgress: (progress: VerifyProgressDto) => void) =>
    call('keys_verify_all', { onProgress: progressChannel(onProgress) }),
  syncPreview: (connection: string) => call('sync_preview', { connection }),
  /** `only`: the remote ids to import or refresh; `null` means all of them. `environments`:
   *  each new key's environment by remote id (others go to `environment`). */
  syncCommit: (connection: string, environment: string, only: string[] | null, environments?: Record<string, string>) =>
    call('sync_commit', environments === undefined ? { connection, environment, only } : { connection, environment, only, environments }),
  /** The backend opens the page its profile names for this provider (and kind) in the browser. */
  providerPageOpen: (provider: string, kind: string | null, page: ProviderPage) =>
    call('provider_page_open', { provider, kind, page }),
  // ---- create / rotate / revoke (issue 5) ----
  /** API create (`connection_id` set) or guided save of a pasted key (`secret` set; cleared by the caller afterwards). */
  keyCreate: (input: CreateKeyInput) => call('key_create', { input }),
  /** The one IPC answer that carries a value: only on "Show once", only with the token from create/rotate. */
  keyReveal: (id: string, token: string) => call('key_reveal', { id, token }),
  rotationPlan: (input: RotateInput) => call('rotation_plan', { input }),
  /** Rotates each key (bounded concurrency in the backend); `onEvent` gets every step of every key. */
  keyRotate: (input: RotateInput, onEvent: (event: RotationEventDto) => void) =>
    call('key_rotate', { input, onEvent: progressChannel(onEvent) }),
  rotationGuidedSubmit: (rotationId: string, secret: string) => call('rotation_guided_submit', { rotationId, secret }),
  /** "I revoked the old key": Keyward checks the old value now answers 401. */
  rotationGuidedConfirm: (rotationId: string) => call('rotation_guided_confirm', { rotationId }),
  rotationList: () => call('rotation_list', {}),
  /** Resumes or rolls back rotations left unfinished (called once when the window loads). */
  rotationRecover: () => call('rotation_recover', {}),
  keyRevoke: (id: string, confirmName: string) => call('key_revoke', { id, confirmName }),
  // findings + team review (issue 6)
  /** Acknowledges one finding of a key (recorded in the audit log); returns the key with its findings. */
  findingAcknowledge: (input: AcknowledgeInput) => call('finding_acknowledge', { input }),
  reviewGet: () => call('review_get', {}),
  /** The core renders the review; the backend asks where in its own save dialog (`null`: cancelled). */
  reviewExport: (format: ReviewFormat) => call('review_export', { format }),
  policyGet: () => call('policy_get', {}),
  policyUpdate: (patch: PolicyPatch) => call('policy_update', { patch }),
  /** `onChange` runs whenever another process (the CLI) changes the inventory; the window's own writes do not count. */
  inventoryWatch: (onChange: (change: InventoryChangedDto) => void) => call('inventory_watch', { onChange: progressChannel(onChange) }),
  // link / unlink (issue 16)
  /** The keys `connection` lists that this key could be linked to; matching ones are marked. */
  keyLinkCandidates: (id: string, connection: string) => call('key_link_candidates', { id, connection }),
  /** `remoteId`: the listed key chosen; `null`: the one that matches. */
  keyLink: (id: string, connection: string, remoteId: string | null) => call('key_link', { id, connection, remoteId }),
  keyUnlink: (id: string) => call('key_unlink', { id }),
  /** Acknowledges one finding kind on every key of a provider and/or environment (audited per key). */
  findingsAcknowledge: (input: BulkAcknowledgeInput) => call('findings_acknowledge', { input }),
  rotationGraceGet: () => call('rotation_grace_get', {}),
  rotationGraceUpdate: (defaults: GraceDefaultsDto) => call('rotation_grace_update', { defaults }),
  // the team on PostgreSQL (issue 15)
  /** `null` when not in a team; no network. */
  teamStatus: () => call('team_status', {}),
  /** `input.password` is the password field's value; the caller clears the field afterwards. */
  teamJoin: (input: TeamJoinInput) => call('team_join', { input }),
  teamLeave: () => call('team_leave', {}),
  /** Publishes what is queued now, then pulls the team's changes. */
  teamSync: () => call('team_sync', {}),
  teamSharingUpdate: (sharing: SharingDto) => call('team_sharing_update', { sharing }),
  /** The pulled copy of every member's keys. */
  teamKeys: (filter: TeamFilterDto | null = null) => call('team_keys', { filter }),
  teamReview: (query: TeamReviewQueryDto | null = null) => call('team_review', { query }),
  /** The backend asks where in its own save dialog (`null`: cancelled). */
  teamReviewExport: (format: ReviewFormat, query: TeamReviewQueryDto | null = null) => call('team_review_export', { format, query }),
  teamEvents: (limit: number | null = null) => call('team_events', { limit }),
  /** `onChange` runs whenever the team data or the membership changes (another member published, this one's queue was sent). */
  teamWatch: (onChange: (change: TeamChangedDto) => void) => call('team_watch', { onChange: progressChannel(onChange) }),
  /** Every key, received in chunks (issue 14: no single answer of megabytes); resolves with all of them. */
  keysAll: () => keysInChunks(),
};

/**
 * Collects `keys_stream`'s chunks. The command answers once it sent the last one; a chunk may
 * still be on its way then (channel messages and the answer travel separately), so this
 * resolves when both the answer and every key are in.
 */
function keysInChunks(): Promise<KeyRowDto[]> {
  return new Promise<KeyRowDto[]>((resolve, reject) => {
    const parts: KeyRowDto[][] = [];
    const decoder = new ChunkDecoder();
    let received = 0;
    let total: number | null = null;
    const settle = () => {
      if (total !== null && received >= total) resolve(parts.flat());
    };
    const onChunk = (chunk: KeysChunkDto) => {
      // Decoded on arrival: the parsed columns are garbage before the next chunk comes.
      const rows = decoder.decode(chunk);
      parts[chunk.offset] = rows;
      received += rows.length;
      settle();
    };
    call('keys_stream', { onChunk: progressChannel(onChunk) }).then((sent) => {
      total = sent;
      settle();
    }, reject);
  });
}

/** A channel for streamed progress: Tauri's `Channel` in the window, a plain sink elsewhere. */
function progressChannel<T>(onmessage: (message: T) => void): ProgressChannel<T> {
  if (isTauri()) {
    const channel = new Channel<T>();
    channel.onmessage = onmessage;
    return channel;
  }
  return { onmessage };
}

export type Api = typeof api;
