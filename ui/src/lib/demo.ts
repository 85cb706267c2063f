// In-memory demo backend for looking at the UI in a plain browser (`npm run dev:demo`).
// It is never part of a production build (see api.ts and vite.config.ts). It keeps no key
// values: a pasted value is reduced to a masked hint at once, as the real backend does.
//
// URL parameters: ?keys=10000 (that many generated keys), ?empty (no keys, no connections),
// ?keychain=locked|unavailable|denied (keychain banner), ?verify_ms=400 (time per key of
// "Verify all"; by default about a second for the whole demo inventory).

import type { Backend, CommandName, Commands } from './api';
import { baseUrlProblem, DEFAULT_BASE_URLS } from './connections';
import { lifecycleHandlers, withOperations } from './demo-lifecycle';
import { acknowledge, applyPolicyPatch, demoFindings, demoPolicy, demoReview } from './demo-findings';
import { AppError } from './errors';
import { proposeEnvironment } from './sync';
import { displayOrder, toRow } from './inventory';
import { encodeChunk } from './rowcolumns';
import { environmentNames } from './settings';
import type {
  AcknowledgementDto,
  GraceDefaultsDto,
  AuditEventDto,
  ConnectionDto,
  DetectionDto,
  KeyShape,
  ImportRowDto,
  KeyDto,
  KeyStatus,
  KeychainStatusDto,
  KindDto,
  ProviderDto,
  RemoteKeyDto,
  SettingsDto,
  VerifyResultDto,
} from './types';

function kind(
  id: string,
  display_name: string,
  privilege: KindDto['privilege'],
  prefix: string | null,
  presentation: KindDto['presentation'],
  presentation_name: string,
  client_safe = false,
): KindDto {
  return { id, display_name, presentation, presentation_name, prefix, privilege, client_safe, dashboard_url: '', notes: '' };
}

const PROVIDERS: ProviderDto[] = [
  {
    id: 'postmon',
    display_name: 'Postmon',
    dashboard_url: 'https://app.postmon.example/settings/api-keys',
    custom: false,
    kinds: [kind('project_key', 'Project key', 'scoped', null, 'body_field', 'api_key', true)],
    purposes: [{ id: 'ingest_events', label: 'Ingest events', minimal_kind: 'project_key', scopes: [] }],
  },
  {
    id: 'postmark',
    display_name: 'Postmark',
    dashboard_url: 'https://account.postmarkapp.com/api_tokens',
    custom: false,
    kinds: [
      kind('server_token', 'Server token', 'scoped', null, 'header', 'X-Postmark-Server-Token'),
      kind('account_token', 'Account token', 'full', null, 'header', 'X-Postmark-Account-Token'),
    ],
    purposes: [
      { id: 'send_email', label: 'Send transactional email', minimal_kind: 'server_token', scopes: [] },
      { id: 'manage_servers', label: 'Manage servers', minimal_kind: 'account_token', scopes: [] },
    ],
  },
  {
    id: 'postman',
    display_name: 'Postman',
    dashboard_url: 'https://web.postman.co/settings/me/api-keys',
    custom: false,
    kinds: [kind('api_key', 'API key', 'full', 'PMAK-', 'header', 'X-Api-Key')],
    purposes: [{ id: 'run_collections', label: 'Run collections in CI', minimal_kind: 'api_key', scopes: [] }],
  },
  {
    id: 'posthog',
    display_name: 'PostHog',
    dashboard_url: 'https://us.posthog.com/settings/user-api-keys',
    custom: false,
    kinds: [
      kind('project_key', 'Project key', 'public', 'phc_', 'body_field', 'api_key', true),
      kind('personal', 'Personal key', 'full', 'phx_', 'bearer', 'Authorization'),
      kind('project_secret', 'Project secret key', 'read_only', 'phs_', 'bearer', 'Authorization'),
    ],
    purposes: [
      { id: 'ingest_events', label: 'Ingest events', minimal_kind: 'project_key', scopes: [] },
      { id: 'evaluate_flags', label: 'Evaluate feature flags locally', minimal_kind: 'project_secret', scopes: ['feature_flag:read'] },
      { id: 'query', label: 'Query analytics', minimal_kind: 'personal', scopes: ['query:read'] },
    ],
  },
  {
    id: 'postnomic',
    display_name: 'Postnomic',
    dashboard_url: 'https://app.postnomic.example/settings/api-keys',
    custom: false,
    kinds: [kind('blog_key', 'Blog key', 'read_only', 'pk_', 'header', 'X-Api-Key')],
    purposes: [{ id: 'read_blog', label: 'Read blog content', minimal_kind: 'blog_key', scopes: [] }],
  },
  {
    id: 'cloudflare',
    display_name: 'Cloudflare',
    dashboard_url: 'https://dash.cloudflare.com/profile/api-tokens',
    custom: false,
    kinds: [
      kind('user_token', 'User API token', 'scoped', 'cfut_', 'bearer', 'Authorization'),
      kind('account_token', 'Account API token', 'scoped', 'cfat_', 'bearer', 'Authorization'),
      kind('global_key', 'Global API key', 'full', 'cfk_', 'header', 'X-Auth-Key'),
    ],
    purposes: [
      { id: 'purge_cache', label: 'Purge cache', minimal_kind: 'user_token', scopes: ['Cache Purge'] },
      { id: 'edit_dns', label: 'Edit DNS records', minimal_kind: 'user_token', scopes: ['DNS Write'] },
    ],
  },
  {
    id: 'sendgrid',
    display_name: 'SendGrid',
    dashboard_url: 'https://app.sendgrid.com/settings/api_keys',
    custom: false,
    kinds: [kind('api_key', 'API key', 'scoped', 'SG.', 'bearer', 'Authorization')],
    purposes: [{ id: 'send_email', label: 'Send transactional email', minimal_kind: 'api_key', scopes: ['mail.send'] }],
  },
];

withOperations(PROVIDERS);

const DAY = 86_400_000;

function mask(prefix: string, value: string): string {
  return `${prefix}…${value.slice(-4)}`;
}

function detect(value: string): DetectionDto {
  const v = value.trim();
  const rules: [RegExp, string, string, string][] = [
    [/^phx_/, 'posthog', 'personal', 'prefix phx_ (PostHog personal API key)'],
    [/^phc_/, 'posthog', 'project_key', 'prefix phc_ (PostHog project key)'],
    [/^phs_/, 'posthog', 'project_secret', 'prefix phs_ (PostHog project secret key)'],
    [/^PMAK-/, 'postman', 'api_key', 'prefix PMAK- (Postman API key)'],
    [/^pk_/, 'postnomic', 'blog_key', 'prefix pk_ (Postnomic blog key)'],
    [/^cfut_/, 'cloudflare', 'user_token', 'prefix cfut_ (Cloudflare user API token)'],
    [/^cfat_/, 'cloudflare', 'account_token', 'prefix cfat_ (Cloudflare account API token)'],
    [/^SG\./, 'sendgrid', 'api_key', 'prefix SG. (SendGrid API key)'],
  ];
  for (const [re, provider, kindId, reason] of rules) {
    if (re.test(v)) {
      const prefix = re.source.replace(/[\\^]/g, '');
      return { provider, kind: kindId, confidence: 'high', needs_confirmation: false, alternatives: [], reason, masked_hint: mask(prefix, v) };
    }
  }
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v)) {
    return {
      provider: 'postmark',
      kind: 'server_token',
      confidence: 'medium',
      needs_confirmation: true,
      alternatives: ['account_token'],
      reason: 'a UUID: Postmark server and account tokens share this format',
      masked_hint: mask('', v),
    };
  }
  return {
    provider: 'postmon',
    kind: 'project_key',
    confidence: 'low',
    needs_confirmation: true,
    alternatives: [],
    reason: 'no known prefix; a long alphanumeric value like a Postmon project key',
    masked_hint: mask('', v),
  };
}

/** Detection from a value's shape (the window never sends the value): prefix + classes detect alike. */
function detectShape(shape: KeyShape): DetectionDto {
  const d = detect(shape.prefix + shape.classes);
  return { ...d, masked_hint: d.masked_hint.replace(/….*$/, `…${shape.tail}`) };
}

/** The demo's one "picked" import file. */
const DEMO_FILE_HANDLE = 'demo-file';

interface Seed {
  provider: string;
  kind: string;
  name: string;
  environment: string;
  purpose: string;
  owner: string | null;
  tags: string[];
  hint: string;
  ageDays: number;
  status?: KeyStatus;
}

const SEEDS: Seed[] = [
  { provider: 'postmark', kind: 'server_token', name: 'Transactional mail', environment: 'prod', purpose: 'Send transactional email', owner: 'mail-team', tags: ['email'], hint: '…9c41', ageDays: 74 },
  { provider: 'postmark', kind: 'account_token', name: 'Postmark admin', environment: 'prod', purpose: 'Manage servers', owner: 'ops', tags: ['admin'], hint: '…0be2', ageDays: 410 },
  { provider: 'posthog', kind: 'project_key', name: 'Web analytics', environment: 'prod', purpose: 'Ingest events', owner: 'web', tags: ['frontend'], hint: 'phc_…Qm3a', ageDays: 12 },
  { provider: 'posthog', kind: 'personal', name: 'Dashboard exporter', environment: 'prod', purpose: 'Query analytics', owner: 'data', tags: ['batch'], hint: 'phx_…7Tzk', ageDays: 151 },
  { provider: 'posthog', kind: 'project_secret', name: 'Flag evaluation', environment: 'prod', purpose: 'Evaluate feature flags locally', owner: 'platform', tags: [], hint: 'phs_…b8Xw', ageDays: 3, status: 'grace' },
  { provider: 'postnomic', kind: 'blog_key', name: 'Marketing site blog', environment: 'prod', purpose: 'Read blog content', owner: 'web', tags: ['marketing'], hint: 'pk_…e5f1', ageDays: 40 },
  { provider: 'cloudflare', kind: 'user_token', name: 'Deploy cache purge', environment: 'prod', purpose: 'Purge cache', owner: 'ops', tags: ['ci'], hint: 'cfut_…a91c', ageDays: 200 },
  { provider: 'sendgrid', kind: 'api_key', name: 'Newsletter sender', environment: 'prod', purpose: 'Send transactional email', owner: null, tags: [], hint: 'SG.…Kd2Q', ageDays: 700, status: 'invalid' },
  { provider: 'postmark', kind: 'server_token', name: 'Staging mail', environment: 'staging', purpose: 'Send transactional email', owner: 'mail-team', tags: ['email'], hint: '…77aa', ageDays: 30 },
  { provider: 'posthog', kind: 'project_key', name: 'Staging analytics', environment: 'staging', purpose: 'Ingest events', owner: 'web', tags: [], hint: 'phc_…Lp0d', ageDays: 90 },
  { provider: 'postman', kind: 'api_key', name: 'Contract tests', environment: 'staging', purpose: 'Run collections in CI', owner: 'qa', tags: ['ci'], hint: 'PMAK-…3f9e', ageDays: 18, status: 'pending' },
  { provider: 'postmon', kind: 'project_key', name: 'Event pipeline', environment: 'staging', purpose: 'Ingest events', owner: 'data', tags: [], hint: '…x7Rq', ageDays: 1 },
  { provider: 'postmark', kind: 'server_token', name: 'Local mail', environment: 'dev', purpose: 'Send transactional email', owner: 'alice', tags: ['local'], hint: '…c0de', ageDays: 5 },
  { provider: 'posthog', kind: 'personal', name: 'Alice personal', environment: 'dev', purpose: 'Query analytics', owner: 'alice', tags: [], hint: 'phx_…9aQe', ageDays: 0 },
  { provider: 'postnomic', kind: 'blog_key', name: '<img src=x onerror=alert(1)>', environment: 'dev', purpose: 'Read blog content', owner: null, tags: ['<b>tag</b>'], hint: 'pk_…dead', ageDays: 2 },
  { provider: 'cloudflare', kind: 'user_token', name: 'Old DNS token', environment: 'dev', purpose: 'Edit DNS records', owner: 'bob', tags: [], hint: 'cfut_…0f0f', ageDays: 365, status: 'revoked' },
  { provider: 'postman', kind: 'api_key', name: 'Sandbox collection runner', environment: 'sandbox', purpose: '', owner: null, tags: [], hint: 'PMAK-…beef', ageDays: 60 },
  { provider: 'cloudflare', kind: 'account_token', name: 'Workers deploy', environment: 'staging', purpose: 'Purge cache', owner: 'ops', tags: ['ci'], hint: 'cfat_…7e21', ageDays: 380 },
];

// ---- Connections, verification and sync (what the provider APIs would answer) ----

/** What a provider would say about a key in the demo: a definite answer or a provider error. */
function demoVerification(key: KeyDto, providerName: string): { outcome: 'valid' | 'invalid' | 'expired' | 'disabled'; detail: string } | AppError {
  if (key.fingerprint === null) return new AppError('manual_only', 'this key is tracked without its value; nothing to verify with');
  const name = key.name;
  if (name.startsWith('Newsletter sender') || key.status === 'revoked') {
    return { outcome: 'invalid', detail: `${providerName} answered 401: the key is revoked or does not exist` };
  }
  if (name.startsWith('Workers deploy')) return { outcome: 'expired', detail: 'Token expired on 2025-10-31 (status “expired”)' };
  if (name.startsWith('Contract tests')) return new AppError('provider_rate_limited', 'rate limited by the provider; retry after 30 s');
  if (key.provider === 'posthog' && key.kind === 'project_key') {
    return new AppError('manual_only', 'PostHog project keys are public ingestion keys: there is no call that verifies them');
  }
  if (key.provider === 'postnomic' && !key.connection_id) {
    return new AppError('invalid_input', 'Postnomic has no public API address: verify it through a connection with a base URL');
  }
  const details: Record<string, string> = {
    postmark: key.kind === 'account_token' ? 'Account token: lists 4 servers' : `Server token of the server “${name}”`,
    postman: 'Postman API key of user alice@example.com',
    posthog: key.kind === 'personal' ? 'Personal API key; scopes query:read, project:read' : 'Project secret key accepted',
    postmon: 'The probe POST /v1/event was accepted (202)',
    postnomic: 'The probe GET /api/v1/posts answered 200',
    cloudflare: 'Token active; expires in 40 d',
    sendgrid: 'Key accepted; scopes mail.send',
  };
  return { outcome: 'valid', detail: details[key.provider] ?? `${providerName} accepted the key` };
}

function remote(remote_id: string, name: string, kind: string, masked_hint: string, has_value: boolean, scopes: string[] = []): RemoteKeyDto {
  return { remote_id, name, kind, scopes, masked_hint, has_value, known_key_id: null, environment: '' };
}

/** What each provider lists through a connection (its values never leave the "provider"). */
const REMOTE_KEYS: Record<string, RemoteKeyDto[]> = {
  postmark: [
    remote('server-34021-1', 'Transactional mail', 'server_token', '…9c41', true),
    remote('server-34022-1', 'Staging mail', 'server_token', '…77aa', true),
    remote('server-35107-1', 'Password resets', 'server_token', '…a7c3', true),
    remote('server-35230-1', 'Inbound parsing #1', 'server_token', '…51d0', true),
    remote('server-35230-2', 'Inbound parsing #2', 'server_token', '…e4b8', true),
    remote('server-36001-1', '<b>Legacy</b> broadcasts', 'server_token', '…0c2f', true),
  ],
  posthog: [
    remote('phs-0193a1', 'Flag evaluation', 'project_secret', 'phs_…b8Xw', false, ['feature_flag:read']),
    remote('phs-0193b7', 'Edge flags', 'project_secret', 'phs_…T4kq', false, ['feature_flag:read']),
    remote('phs-0194c2', 'Warehouse export', 'project_secret', 'phs_…9pLm', false, ['query:read', 'insight:read', 'cohort:read', 'person:read']),
  ],
  cloudflare: [
    remote('cf-8d1e0a', 'Zone DNS editor', 'user_token', 'cfut_…', false, ['DNS Write', 'Zone Read']),
    remote('cf-91b3c4', 'Analytics read', 'user_token', 'cfut_…', false, ['Analytics Read']),
    remote('cf-a07f55', 'Deploy cache purge', 'user_token', 'cfut_…', false, ['Cache Purge', 'API Tokens Read']),
  ],
  sendgrid: [
    remote('sg-ZmL0', 'Newsletter sender', 'api_key', 'SG.…', false),
    remote('sg-Q2r8', 'Alerts', 'api_key', 'SG.…', false),
    remote('sg-Vw91', 'Marketing automation', 'api_key', 'SG.…', false),
  ],
};

/** The seed keys a provider already lists: their remote id. */
const SEED_REMOTE_IDS: Record<string, string> = {
  'Transactional mail': 'server-34021-1',
  'Staging mail': 'server-34022-1',
  'Flag evaluation': 'phs-0193a1',
  'Deploy cache purge': 'cf-a07f55',
  'Newsletter sender': 'sg-ZmL0',
};

/** Demo connections, by the seed key that is their admin key. */
const SEED_CONNECTIONS: { name: string; provider: string; base_url: string; admin: string | null; options: ConnectionDto['options']; ageDays: number; keys: string[] }[] = [
  { name: 'postmark-prod', provider: 'postmark', base_url: 'https://api.postmarkapp.com', admin: 'Postmark admin', options: {}, ageDays: 120, keys: ['Transactional mail', 'Staging mail', 'Local mail'] },
  { name: 'posthog-eu', provider: 'posthog', base_url: 'https://eu.posthog.com', admin: 'Dashboard exporter', options: { project_id: '24816' }, ageDays: 60, keys: ['Web analytics', 'Flag evaluation', 'Staging analytics'] },
  { name: 'cloudflare', provider: 'cloudflare', base_url: 'https://api.cloudflare.com/client/v4', admin: 'Deploy cache purge', options: { account_id: '9a7806061c88ada191ed06f989cc3dac' }, ageDays: 30, keys: ['Workers deploy'] },
  { name: 'postnomic-blog', provider: 'postnomic', base_url: 'https://api.blog.example.com', admin: null, options: { probe_path: '/api/v1/posts' }, ageDays: 14, keys: ['Marketing site blog'] },
  { name: 'sendgrid-sim', provider: 'sendgrid', base_url: 'http://127.0.0.1:8787/v3', admin: null, options: {}, ageDays: 2, keys: [] },
];

const ADMIN_KINDS: Record<string, string> = { postmark: 'account_token', posthog: 'personal', cloudflare: 'user_token', sendgrid: 'api_key' };

function uuid(n: number): string {
  const hex = n.toString(16).padStart(12, '0');
  return `00000000-0000-4000-8000-${hex}`;
}

function envVarOf(name: string): string {
  const v = name.toUpperCase().replace(/[^A-Z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  return /^[A-Z_]/.test(v) ? v || 'KEY' : `KEY_${v}`;
}

function makeKey(n: number, seed: Seed, now: number): KeyDto {
  const created = new Date(now - (seed.ageDays + 20) * DAY).toISOString();
  const rotated = seed.ageDays % 3 === 0 ? null : new Date(now - seed.ageDays * DAY).toISOString();
  return {
    id: uuid(n),
    provider: seed.provider,
    kind: seed.kind,
    name: seed.name,
    environment: seed.environment,
    purpose: seed.purpose,
    owner: seed.owner,
    tags: seed.tags,
    scopes: [],
    remote_id: null,
    env_var: envVarOf(seed.name),
    created_at: rotated ? created : new Date(now - seed.ageDays * DAY).toISOString(),
    last_rotated_at: rotated,
    last_used_at: n % 2 ? new Date(now - (n % 9) * DAY).toISOString() : null,
    last_verified_at: n % 3 ? new Date(now - (n % 5) * DAY).toISOString() : null,
    expires_at: seed.provider === 'cloudflare' ? new Date(now + 40 * DAY).toISOString() : null,
    status: seed.status ?? 'active',
    fingerprint: `hmac-${n.toString(16).padStart(8, '0')}`,
    masked_hint: seed.hint,
    updated_at: new Date(now - (seed.ageDays % 7) * DAY).toISOString(),
    connection_id: null,
    verify_outcome: null,
    verify_detail: null,
    usage: null,
    findings: [],
  };
}

function generated(count: number, now: number): KeyDto[] {
  const envs = ['dev', 'staging', 'prod', 'qa', 'perf'];
  const statuses: KeyStatus[] = ['active', 'active', 'active', 'active', 'grace', 'pending', 'revoked', 'invalid'];
  const keys: KeyDto[] = [];
  for (let i = 0; i < count; i++) {
    const seed = SEEDS[i % SEEDS.length];
    keys.push(
      makeKey(1000 + i, {
        ...seed,
        name: `${seed.name.replace(/[<>]/g, '')} ${i}`,
        environment: envs[i % envs.length],
        ageDays: (i * 7) % 900,
        status: statuses[i % statuses.length],
        owner: `team-${i % 40}`,
      }, now),
    );
  }
  return keys;
}

export function createDemoBackend(params: URLSearchParams = new URLSearchParams(globalThis.location?.search ?? '')): Backend {
  const now = Date.now();
  const bulk = Number(params.get('keys') ?? '0');
  let keys: KeyDto[] = params.has('empty') ? [] : bulk > 0 ? generated(bulk, now) : SEEDS.map((s, i) => makeKey(i + 1, s, now));
  let nextId = 100_000;
  let nextAudit = 1;
  const audit: AuditEventDto[] = [];
  const settings: SettingsDto = {
    clipboard_timeout_secs: 30,
    environments: ['dev', 'staging', 'prod'].map((name, position) => ({ name, position })),
    data_dir: '/home/demo/.local/share/dev.keyward.app',
  };
  const keychainParam = params.get('keychain');
  const keychain: KeychainStatusDto =
    keychainParam === 'locked'
      ? { state: 'locked', message: 'The login keychain is locked.', fix: 'Unlock the “Login” keyring in Passwords and Keys (Seahorse), then press Check again.', backend: 'demo' }
      : keychainParam === 'unavailable'
        ? { state: 'unavailable', message: 'No Secret Service provider is running on the session bus.', fix: 'Install and start gnome-keyring (or KeePassXC with Secret Service enabled), then press Check again.', backend: 'demo' }
        : keychainParam === 'denied'
          ? { state: 'denied', message: 'The keychain refused access to Keyward.', fix: 'Allow Keyward in the keychain prompt, then press Check again.', backend: 'demo' }
          : { state: 'ok', message: 'Secret Service (gnome-keyring) is available.', fix: '', backend: 'demo' };

  for (const key of keys.slice(0, 200)) {
    audit.push({ id: nextAudit++, at: key.created_at, actor: 'demo', action: 'created', key_id: key.id, key_name: key.name, detail: 'added in the window' });
    if (key.last_rotated_at) {
      audit.push({ id: nextAudit++, at: key.last_rotated_at, actor: 'demo', action: 'rotated', key_id: key.id, key_name: key.name, detail: 'guided rotation' });
    }
  }

  const record = (action: string, key: KeyDto | null, detail: string) =>
    audit.push({ id: nextAudit++, at: new Date().toISOString(), actor: 'demo', action, key_id: key?.id ?? null, key_name: key?.name ?? null, detail });
  // Position of each key by id, rebuilt whenever the list itself is replaced.
  let indexed: KeyDto[] | null = null;
  let positions = new Map<string, number>();
  const position = (id: string) => {
    if (indexed !== keys) {
      positions = new Map(keys.map((k, i) => [k.id, i]));
      indexed = keys;
    }
    return positions.get(id);
  };
  const find = (id: string) => {
    const i = position(id);
    if (i === undefined) throw new AppError('not_found', 'no key with this id');
    return keys[i];
  };
  const requireKeychain = () => {
    if (keychain.state !== 'ok') throw new AppError(`keychain_${keychain.state}` as 'keychain_locked', keychain.message);
  };
  const duplicate = (name: string, environment: string, except?: string) =>
    keys.some((k) => k.id !== except && k.environment === environment && k.name.toLowerCase() === name.toLowerCase());
  const delay = <T>(value: T, ms = 60) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

  const previewRows = (handle: string, options: { environment: string | null; provider: string | null; purpose: string | null }) => {
    if (handle !== DEMO_FILE_HANDLE) throw new AppError('file_not_picked', 'choose the file in the file dialog first');
    const rows: ImportRowDto[] = [
      ['POSTMON_PROJECT_KEY', 'postmon', 'project_key', '…k9Lp'],
      ['POSTHOG_PERSONAL_KEY', 'posthog', 'personal', 'phx_…aa01'],
      ['POSTMARK_SERVER_TOKEN', 'postmark', 'server_token', '…4e2f'],
    ].map(([env_var, provider, kindId, masked_hint], i) => ({
      line: i + 2,
      name: env_var.toLowerCase().replace(/_/g, ' '),
      provider: options.provider ?? provider,
      kind: kindId,
      environment: options.environment ?? 'dev',
      purpose: options.purpose ?? '',
      masked_hint,
      env_var,
      created_at: '2025-01-15T00:00:00Z',
      last_rotated_at: i === 0 ? '2025-09-01T00:00:00Z' : null,
      warning: null,
      suggested: true,
      reason: 'has the format of a known key',
    }));
    // A configuration line, as a real .env has them: unticked, with its reason.
    rows.push({
      line: rows.length + 2,
      name: 'LOG_LEVEL',
      provider: 'custom',
      kind: 'api_key',
      environment: options.environment ?? 'dev',
      purpose: options.purpose ?? '',
      masked_hint: '…nfo',
      env_var: 'LOG_LEVEL',
      created_at: '2025-01-15T00:00:00Z',
      last_rotated_at: null,
      warning: null,
      suggested: false,
      reason: 'a log level, not a key',
    });
    return { format: 'env' as const, rows, errors: [] };
  };

  const providerLabel = (id: string) => PROVIDERS.find((p) => p.id === id)?.display_name ?? id;

  let connections: ConnectionDto[] = [];
  if (!params.has('empty') && bulk === 0) {
    SEED_CONNECTIONS.forEach((c, i) => {
      const admin = c.admin ? keys.find((k) => k.name === c.admin) : undefined;
      const connection: ConnectionDto = {
        id: `10000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
        name: c.name,
        provider: c.provider,
        base_url: c.base_url,
        admin_key_id: admin?.id ?? null,
        options: c.options,
        created_at: new Date(now - c.ageDays * DAY).toISOString(),
      };
      connections.push(connection);
      keys = keys.map((k) => (c.keys.includes(k.name) ? { ...k, connection_id: connection.id } : k));
    });
    keys = keys.map((k) => (SEED_REMOTE_IDS[k.name] ? { ...k, remote_id: SEED_REMOTE_IDS[k.name] } : k));
  }
  // Earlier verifications, as the provider would have answered them.
  keys = keys.map((k) => {
    if ((!k.last_verified_at && !k.name.startsWith('Newsletter sender')) || k.status === 'revoked') return k;
    const v = demoVerification(k, providerLabel(k.provider));
    if (v instanceof AppError) return { ...k, last_verified_at: null };
    const at = k.last_verified_at ?? new Date(now - 3 * 3_600_000).toISOString();
    return { ...k, last_verified_at: at, verify_outcome: v.outcome, verify_detail: v.detail, status: v.outcome === 'valid' ? k.status : 'invalid' };
  });

  const findConnection = (name: string) => {
    const c = connections.find((x) => x.name === name || x.id === name);
    if (!c) throw new AppError('not_found', `connection '${name}'`);
    return c;
  };

  /** Records a definite answer on the key as the core does; a provider error changes nothing. */
  const verifyOne = (id: string): { key: KeyDto; result: VerifyResultDto } => {
    const key = find(id);
    const v = demoVerification(key, providerLabel(key.provider));
    const base = { id, name: key.name, environment: key.environment, provider: key.provider };
    if (v instanceof AppError) {
      return { key, result: { ...base, outcome: v.code === 'manual_only' ? 'skipped' : 'error', code: v.code, detail: v.message } };
    }
    const t = new Date().toISOString();
    const status: KeyStatus = v.outcome === 'valid' ? (key.status === 'invalid' ? 'active' : key.status) : 'invalid';
    const next: KeyDto = { ...key, last_verified_at: t, verify_outcome: v.outcome, verify_detail: v.detail, status, updated_at: t };
    // In place: answers hand out copies, and "Verify all" over 10,000 keys stays linear.
    keys[position(id)!] = next;
    record('verified', next, `${v.outcome}: ${v.detail}`);
    return { key: next, result: { ...base, outcome: v.outcome, code: null, detail: v.detail } };
  };

  /** The provider's list through a connection, marked with what the inventory already tracks. */
  const remoteKeys = (name: string): { connection: ConnectionDto; list: RemoteKeyDto[] } => {
    const c = findConnection(name);
    if (!c.admin_key_id) throw new AppError('invalid_input', `'${c.name}' has no admin key to list keys with`);
    const listed = REMOTE_KEYS[c.provider];
    if (!listed) throw new AppError('manual_only', `${c.provider} has no API that lists keys; add them with \`keyward add\` or import a file`);
    if (c.provider === 'posthog' && !c.options.project_id) throw new AppError('invalid_input', 'a PostHog connection needs a project id to list its secret keys');
    const admin = keys.find((k) => k.id === c.admin_key_id);
    const list = listed
      .map((r) => ({ ...r, scopes: [...r.scopes], known_key_id: keys.find((k) => k.provider === c.provider && k.remote_id === r.remote_id)?.id ?? null }))
      .filter((r) => r.known_key_id === null || r.known_key_id !== admin?.id)
      .map((r) => ({ ...r, environment: proposeEnvironment(r.name, settings.environments.map((e) => e.name)) ?? admin?.environment ?? 'prod' }));
    return { connection: c, list };
  };

  const uniqueName = (base: string, environment: string) => {
    let name = base;
    for (let n = 2; duplicate(name, environment); n++) name = `${base} ${n}`;
    return name;
  };

  const lifecycle = lifecycleHandlers({
    keys: () => keys,
    put: (key) => {
      keys = keys.map((k) => (k.id === key.id ? key : k));
    },
    find: (id) => ({ ...find(id) }),
    newKey: (fields) => {
      const key: KeyDto = {
        ...makeKey(nextId++, { provider: fields.provider, kind: fields.kind, name: fields.name, environment: fields.environment, purpose: fields.purpose, owner: null, tags: [], hint: '…new1', ageDays: 0 }, Date.now()),
        last_rotated_at: null,
        last_used_at: null,
        last_verified_at: null,
        expires_at: null,
        status: 'active',
        fingerprint: `hmac-${nextId.toString(16)}`,
        ...fields,
      };
      keys = [...keys, key];
      return { ...key };
    },
    connections: () => connections,
    providers: PROVIDERS,
    record,
    requireKeychain,
    duplicate: (name, environment) => duplicate(name, environment),
    params,
  });

  let policy = demoPolicy();
  let grace: GraceDefaultsDto = { environments: [{ environment: 'prod', grace_secs: 86_400 }, { environment: 'staging', grace_secs: 3600 }, { environment: 'dev', grace_secs: 0 }], default_secs: 86_400 };
  const acks = new Map<string, AcknowledgementDto>();
  const withFindings = (k: KeyDto): KeyDto => ({ ...k, findings: demoFindings(k, policy, acks, Date.now()) });

  const handlers: { [C in CommandName]: (args: Commands[C]['args']) => Commands[C]['result'] | Promise<Commands[C]['result']> } = {
    key_create: lifecycle.key_create!,
    key_reveal: lifecycle.key_reveal!,
    rotation_plan: lifecycle.rotation_plan!,
    key_rotate: lifecycle.key_rotate!,
    rotation_guided_submit: lifecycle.rotation_guided_submit!,
    rotation_guided_confirm: lifecycle.rotation_guided_confirm!,
    rotation_list: lifecycle.rotation_list!,
    rotation_recover: lifecycle.rotation_recover!,
    key_revoke: lifecycle.key_revoke!,
    keys_list: () => keys.map((k) => withFindings(k)),
    keys_stream: ({ onChunk }) => {
      onChunk.onmessage(encodeChunk(keys.map((k) => toRow(withFindings(k))), keys.length, 0));
      return keys.length;
    },
    keys_page: ({ offset, limit }) => ({
      total: keys.length,
      offset,
      keys: displayOrder(keys, environmentNames(settings))
        .slice(offset, offset + limit)
        .map((k) => toRow(withFindings(find(k.id)))),
    }),
    key_get: ({ id }) => withFindings(find(id)),
    key_show: ({ id }) => {
      const key = find(id);
      return { key: withFindings(key), audit: audit.filter((e) => e.key_id === id).reverse(), secret_present: key.fingerprint !== null && key.status !== 'revoked' };
    },
    key_detect: ({ shape }) => {
      if (!shape.prefix && !shape.classes.trim()) throw new AppError('invalid_input', 'empty value');
      return detectShape(shape);
    },
    key_add: ({ input }) => {
      requireKeychain();
      if (!PROVIDERS.some((p) => p.id === input.provider)) throw new AppError('unknown_provider', input.provider);
      if (!input.secret.trim()) throw new AppError('malformed_key', 'empty');
      if (duplicate(input.name, input.environment)) throw new AppError('duplicate', 'name taken');
      const t = new Date().toISOString();
      const d = detect(input.secret);
      const key: KeyDto = {
        id: uuid(nextId++),
        provider: input.provider,
        kind: input.kind,
        name: input.name,
        environment: input.environment,
        purpose: input.purpose,
        owner: input.owner,
        tags: input.tags,
        scopes: input.scopes,
        remote_id: null,
        env_var: input.env_var ?? envVarOf(input.name),
        created_at: t,
        last_rotated_at: null,
        last_used_at: null,
        last_verified_at: null,
        expires_at: null,
        status: 'active',
        fingerprint: `hmac-${nextId.toString(16)}`,
        masked_hint: d.masked_hint,
        updated_at: t,
        connection_id: null,
        verify_outcome: null,
        verify_detail: null,
        usage: null,
        findings: [],
      };
      keys = [...keys, key];
      record('created', key, 'added in the window');
      return { key: { ...key }, warning: null };
    },
    key_update: ({ id, patch }) => {
      const key = find(id);
      const next = { ...key, ...patch, updated_at: new Date().toISOString() } as KeyDto;
      if (!next.name.trim()) throw new AppError('invalid_input', 'name must not be empty');
      if (duplicate(next.name, next.environment, id)) throw new AppError('duplicate', 'name taken');
      keys = keys.map((k) => (k.id === id ? next : k));
      record('updated', next, `changed ${Object.keys(patch).join(', ')}`);
      return { ...next };
    },
    key_remove: ({ id }) => {
      const key = find(id);
      keys = keys.filter((k) => k.id !== id);
      record('removed', key, 'removed in the window');
      return null;
    },
    key_copy: ({ id }) => {
      const key = find(id);
      requireKeychain();
      record('copied', key, `clipboard clears after ${settings.clipboard_timeout_secs} s`);
      return { timeout_secs: settings.clipboard_timeout_secs, clears_at: new Date(Date.now() + settings.clipboard_timeout_secs * 1000).toISOString() };
    },
    import_file_pick: () => ({ handle: DEMO_FILE_HANDLE, name: '.env.example' }),
    import_preview: ({ handle, options }) => previewRows(handle, options),
    import_commit: ({ handle, options, lines }) => {
      requireKeychain();
      const preview = previewRows(handle, options);
      if (preview.errors.length) throw new AppError('import_invalid', `${preview.errors.length} line(s) have errors`);
      const t = new Date().toISOString();
      const chosen = preview.rows.filter((row) => (lines === null ? row.suggested : lines.includes(row.line)));
      const added = chosen.map((row) => ({
        ...makeKey(nextId++, { provider: row.provider, kind: row.kind, name: row.name, environment: row.environment, purpose: row.purpose, owner: null, tags: ['imported'], hint: row.masked_hint, ageDays: 0 }, Date.now()),
        env_var: row.env_var,
        created_at: t,
        last_rotated_at: null,
      }));
      keys = [...keys, ...added];
      for (const k of added) record('imported', k, 'from .env.example');
      return { imported: added.length, keys: added };
    },
    providers_list: () => PROVIDERS,
    settings_get: () => structuredClone(settings),
    settings_update: ({ patch }) => {
      if (patch.clipboard_timeout_secs !== undefined) settings.clipboard_timeout_secs = patch.clipboard_timeout_secs;
      if (patch.environments) settings.environments = patch.environments.map((name, position) => ({ name, position }));
      record('settings_changed', null, 'settings changed');
      return structuredClone(settings);
    },
    keychain_status: () => ({ ...keychain }),
    audit_list: ({ keyId }) => audit.filter((e) => keyId === null || e.key_id === keyId).reverse(),
    app_ready: () => null,
    connections_list: () => connections.map((c) => structuredClone(c)),
    connection_add: ({ input }) => {
      const name = input.name.trim();
      if (!/^[\p{L}\p{N}._-]{1,64}$/u.test(name)) throw new AppError('invalid_input', "connection name: use letters, digits, '-', '_' or '.'");
      const profile = PROVIDERS.find((p) => p.id === input.provider);
      if (!profile) throw new AppError('unknown_provider', input.provider);
      if (connections.some((c) => c.name === name)) throw new AppError('duplicate', `connection '${name}' exists`);
      const base = input.base_url?.trim().replace(/\/+$/, '') || DEFAULT_BASE_URLS[profile.id];
      if (!base) throw new AppError('invalid_input', `base URL: ${profile.display_name} has no public API base URL: give --base-url`);
      const problem = baseUrlProblem(base);
      if (problem === 'insecure_url') throw new AppError(problem, 'plain http:// is allowed only for loopback addresses (127.0.0.1, ::1, localhost); use https://');
      if (problem) throw new AppError(problem, 'relative URL without a base');
      const secret = input.admin_secret && ADMIN_KINDS[profile.id] ? input.admin_secret.trim() : '';
      let admin: KeyDto | null = null;
      if (secret) {
        requireKeychain();
        if (input.test) {
          if (secret.length < 8 || /^bad/i.test(secret)) throw new AppError('provider_unauthorized', 'the provider rejected the key (401): the admin key is invalid');
          if (profile.id === 'posthog' && /noscope/i.test(secret)) throw new AppError('provider_missing_scope', "the key lacks the scope 'project:read' for this call (403)");
        }
        const t = new Date().toISOString();
        admin = {
          ...makeKey(nextId++, { provider: profile.id, kind: ADMIN_KINDS[profile.id], name: uniqueName(`${name} (admin)`, input.environment), environment: input.environment, purpose: `manage ${profile.display_name} keys through the API`, owner: null, tags: [], hint: detect(secret).masked_hint, ageDays: 0 }, Date.now()),
          created_at: t,
          last_rotated_at: null,
          last_used_at: null,
          last_verified_at: input.test ? t : null,
          verify_outcome: input.test ? 'valid' : null,
          verify_detail: input.test ? `Admin key accepted by ${profile.display_name}` : null,
          expires_at: null,
          role: 'connection_admin',
        };
        keys = [...keys, admin];
        record('created', admin, `admin key of connection '${name}'`);
      }
      const options: ConnectionDto['options'] = {};
      if (input.project_id?.trim()) options.project_id = input.project_id.trim();
      if (input.account_id?.trim()) options.account_id = input.account_id.trim();
      if (input.probe_path?.trim()) options.probe_path = input.probe_path.trim();
      const connection: ConnectionDto = { id: uuid(nextId++), name, provider: profile.id, base_url: base, admin_key_id: admin?.id ?? null, options, created_at: new Date().toISOString() };
      connections = [...connections, connection];
      record('provider_added', admin, `connection '${name}' to ${profile.id} at ${base}`);
      return structuredClone(connection);
    },
    connection_remove: ({ name }) => {
      const c = findConnection(name);
      connections = connections.filter((x) => x.id !== c.id);
      keys = keys.map((k) => (k.connection_id === c.id ? { ...k, connection_id: null } : k));
      record('settings_changed', null, `removed connection '${c.name}'`);
      return null;
    },
    connection_test: ({ name }) => {
      const c = findConnection(name);
      if (!c.admin_key_id) throw new AppError('invalid_input', `'${c.name}' has no admin key to test`);
      requireKeychain();
      // As the desktop backend: a call without a definite answer is an `error` result, not a rejection.
      return verifyOne(c.admin_key_id).result;
    },
    key_verify: ({ id }) => {
      find(id);
      requireKeychain();
      const { key, result } = verifyOne(id);
      if (result.outcome === 'error' || result.outcome === 'skipped') throw new AppError((result.code ?? 'internal') as 'internal', result.detail);
      return { ...key };
    },
    keys_verify_all: async ({ onProgress }) => {
      requireKeychain();
      const ids = keys.filter((k) => k.status !== 'revoked').map((k) => k.id);
      const perKey = Number(params.get('verify_ms') ?? '') || Math.max(2, Math.min(220, Math.round(4000 / Math.max(ids.length, 1))));
      const concurrency = 3;
      // Browsers wait at least ~4 ms per timer: answer several keys per wait when each is quicker.
      const perWait = Math.max(1, Math.ceil(8 / perKey));
      const results: VerifyResultDto[] = [];
      let next = 0;
      const worker = async () => {
        while (next < ids.length) {
          const batch = ids.slice(next, next + perWait);
          next += batch.length;
          const jitter = 0.6 + ((batch[0].charCodeAt(batch[0].length - 1) % 7) / 7) * 0.8;
          await delay(null, perKey * batch.length * jitter);
          for (const id of batch) {
            const { result } = verifyOne(id);
            results.push(result);
            onProgress.onmessage({ done: results.length, total: ids.length, result });
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, worker));
      return results;
    },
    sync_preview: ({ connection }) => {
      requireKeychain();
      return remoteKeys(connection).list;
    },
    sync_commit: ({ connection, environment: fallback, only, environments }) => {
      requireKeychain();
      if (!fallback.trim()) throw new AppError('invalid_input', 'environment must not be empty');
      const { connection: c, list } = remoteKeys(connection);
      const imported: KeyDto[] = [];
      const refreshed: KeyDto[] = [];
      const t = new Date().toISOString();
      for (const r of list.filter((x) => only === null || only.includes(x.remote_id))) {
        if (r.known_key_id) {
          const key = { ...find(r.known_key_id), scopes: r.scopes.length ? r.scopes : find(r.known_key_id).scopes, updated_at: t };
          keys = keys.map((k) => (k.id === key.id ? key : k));
          record('updated', key, `refreshed from connection '${c.name}'`);
          refreshed.push({ ...key });
          continue;
        }
        const env = (environments?.[r.remote_id] ?? fallback).trim();
        const key: KeyDto = {
          ...makeKey(nextId++, { provider: c.provider, kind: r.kind, name: uniqueName(r.name, env), environment: env, purpose: `synced from ${c.name}`, owner: null, tags: [], hint: r.masked_hint, ageDays: 0 }, Date.now()),
          created_at: t,
          last_rotated_at: null,
          last_used_at: null,
          last_verified_at: null,
          expires_at: null,
          scopes: r.scopes,
          remote_id: r.remote_id,
          connection_id: c.id,
          // Metadata only: tracked without a value (nothing to copy or verify with).
          fingerprint: r.has_value ? `hmac-${nextId.toString(16)}` : null,
        };
        keys = [...keys, key];
        record('imported', key, `imported from connection '${c.name}'`);
        imported.push({ ...key });
      }
      return { imported, refreshed };
    },
    finding_acknowledge: ({ input }) => {
      const key = find(input.key_id);
      acknowledge(acks, key, input.kind, input.reason, input.until);
      record('finding_acknowledged', key, `${input.kind}: ${input.reason.trim()}`);
      return withFindings(key);
    },
    provider_page_open: ({ provider, kind, page }) => {
      const p = PROVIDERS.find((x) => x.id === provider);
      const url = page === 'dashboard' ? p?.kinds.find((k) => k.id === kind)?.dashboard_url || p?.dashboard_url : undefined;
      if (!url) throw new AppError('invalid_input', 'this provider names no such page');
      window.open(url, '_blank', 'noopener,noreferrer');
      return null;
    },
    findings_acknowledge: ({ input }) => {
      let acknowledged = 0;
      for (const key of keys) {
        if (input.provider && key.provider !== input.provider) continue;
        if (input.environment && key.environment !== input.environment) continue;
        if (!withFindings(key).findings.some((f) => f.code === input.kind && !f.acknowledged)) continue;
        acknowledge(acks, key, input.kind, input.reason, input.until ?? null);
        record('finding_acknowledged', key, `${input.kind}: ${input.reason.trim()} (in bulk)`);
        acknowledged++;
      }
      return { acknowledged, until: null };
    },
    review_get: () => demoReview(keys.map(withFindings), policy, Date.now()),
    review_export: () => {
      throw new AppError('internal', 'The browser demo cannot write files.');
    },
    key_link_candidates: ({ id, connection }) => {
      const key = find(id);
      const { list } = remoteKeys(connection);
      return list
        .filter((r) => r.known_key_id === null || r.known_key_id === id)
        .map((r) => ({ remote_id: r.remote_id, name: r.name, kind: r.kind, masked_hint: r.masked_hint, matches: r.known_key_id === id || (r.kind === key.kind && r.masked_hint.slice(-4) === key.masked_hint.slice(-4)) }));
    },
    key_link: ({ id, connection, remoteId }) => {
      const c = findConnection(connection);
      const { list } = remoteKeys(connection);
      const chosen = remoteId ?? null;
      if (chosen === null || !list.some((r) => r.remote_id === chosen)) throw new AppError('invalid_input', 'choose the key from the list');
      const key = { ...find(id), connection_id: c.id, remote_id: chosen, updated_at: new Date().toISOString() };
      keys = keys.map((k) => (k.id === id ? key : k));
      record('updated', key, `linked to connection '${c.name}'`);
      return withFindings(key);
    },
    key_unlink: ({ id }) => {
      const key = { ...find(id), connection_id: null, remote_id: null, updated_at: new Date().toISOString() };
      keys = keys.map((k) => (k.id === id ? key : k));
      record('updated', key, 'unlinked from its connection');
      return withFindings(key);
    },
    rotation_grace_get: () => structuredClone(grace),
    rotation_grace_update: ({ defaults }) => {
      grace = structuredClone(defaults);
      record('settings_changed', null, 'rotation grace defaults changed');
      return structuredClone(grace);
    },
    policy_get: () => structuredClone(policy),
    policy_update: ({ patch }) => {
      policy = applyPolicyPatch(policy, patch);
      record('settings_changed', null, 'findings policy changed');
      return structuredClone(policy);
    },
    // Nothing else writes to the demo's inventory: no change is ever reported.
    inventory_watch: () => null,
    // The demo is never in a team: the Team view offers to join in Settings.
    team_status: () => null,
    team_join: () => {
      throw new AppError('team_unreachable', 'The browser demo cannot reach a team database.');
    },
    team_leave: () => null,
    team_sync: notInTeam,
    team_sharing_update: notInTeam,
    team_keys: () => ({ as_of: null, rows: [] }),
    team_review: () => ({ as_of: null, keys: [], overdue: [], due_soon: [], rotations_per_week: [], members: [] }),
    team_review_export: notInTeam,
    team_events: () => [],
    team_watch: () => null,
  };

  function notInTeam(): never {
    throw new AppError('team_not_joined', 'not in a team');
  }

  return async (cmd, args) => {
    const handler = handlers[cmd] as (a: typeof args) => Commands[typeof cmd]['result'] | Promise<Commands[typeof cmd]['result']>;
    return delay(await handler(args));
  };
}
