// In-memory demo backend for looking at the UI in a plain browser (`npm run dev:demo`).
// It is never part of a production build (see api.ts and vite.config.ts). It keeps no key
// values: a pasted value is reduced to a masked hint at once, as the real backend does.
//
// URL parameters: ?keys=10000 (that many generated keys), ?empty (no keys),
// ?keychain=locked|unavailable|denied (keychain banner).

import type { Backend, CommandName, Commands } from './api';
import { AppError } from './errors';
import type {
  AuditEventDto,
  DetectionDto,
  ImportRowDto,
  KeyDto,
  KeyStatus,
  KeychainStatusDto,
  KindDto,
  ProviderDto,
  SettingsDto,
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
];

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
  const find = (id: string) => {
    const key = keys.find((k) => k.id === id);
    if (!key) throw new AppError('not_found', 'no key with this id');
    return key;
  };
  const requireKeychain = () => {
    if (keychain.state !== 'ok') throw new AppError(`keychain_${keychain.state}` as 'keychain_locked', keychain.message);
  };
  const duplicate = (name: string, environment: string, except?: string) =>
    keys.some((k) => k.id !== except && k.environment === environment && k.name.toLowerCase() === name.toLowerCase());
  const delay = <T>(value: T, ms = 60) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

  const previewRows = (path: string, options: { environment: string | null; provider: string | null; purpose: string | null }) => {
    if (!path.trim()) throw new AppError('invalid_input', 'choose a file');
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
    }));
    const errors = path.includes('bad') ? [{ line: 5, message: 'expected NAME=value' }] : [];
    return { format: path.endsWith('.csv') ? ('csv' as const) : ('env' as const), rows, errors };
  };

  const handlers: { [C in CommandName]: (args: Commands[C]['args']) => Commands[C]['result'] } = {
    keys_list: () => keys.map((k) => ({ ...k })),
    key_show: ({ id }) => {
      const key = find(id);
      return { key: { ...key }, audit: audit.filter((e) => e.key_id === id).reverse(), secret_present: key.status !== 'revoked' };
    },
    key_detect: ({ value }) => {
      if (!value.trim()) throw new AppError('invalid_input', 'empty value');
      return detect(value);
    },
    key_add: ({ input }) => {
      requireKeychain();
      if (!PROVIDERS.some((p) => p.id === input.provider)) throw new AppError('unknown_provider', input.provider);
      if (input.secret.trim().length < 8) throw new AppError('malformed_key', 'too short');
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
        findings: [],
      };
      keys = [...keys, key];
      record('created', key, 'added in the window');
      return { ...key };
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
    import_preview: ({ path, options }) => previewRows(path, options),
    import_commit: ({ path, options }) => {
      requireKeychain();
      const preview = previewRows(path, options);
      if (preview.errors.length) throw new AppError('import_invalid', `${preview.errors.length} line(s) have errors`);
      const t = new Date().toISOString();
      const added = preview.rows.map((row) => ({
        ...makeKey(nextId++, { provider: row.provider, kind: row.kind, name: row.name, environment: row.environment, purpose: row.purpose, owner: null, tags: ['imported'], hint: row.masked_hint, ageDays: 0 }, Date.now()),
        env_var: row.env_var,
        created_at: t,
        last_rotated_at: null,
      }));
      keys = [...keys, ...added];
      for (const k of added) record('imported', k, `from ${path}`);
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
  };

  return async (cmd, args) => {
    const handler = handlers[cmd] as (a: typeof args) => Commands[typeof cmd]['result'];
    return delay(handler(args));
  };
}
