// Logic of the Providers view: which providers take a connection, which fields each needs,
// the add form's defaults and checks, and what a connection can do (test, import).

import type { ConnectionDto, NewConnectionInput, ProviderDto } from './types';

/** Each provider's documented API base; the base URL field shows it as its placeholder. */
export const DEFAULT_BASE_URLS: Readonly<Record<string, string>> = {
  postmark: 'https://api.postmarkapp.com',
  postman: 'https://api.getpostman.com',
  posthog: 'https://us.posthog.com',
  cloudflare: 'https://api.cloudflare.com/client/v4',
  sendgrid: 'https://api.sendgrid.com/v3',
  postmon: 'https://api.postmon.io',
};

/** Providers with a management API: their admin key, and what it must be allowed to do. */
export const ADMIN_KEY_HINTS: Readonly<Record<string, string>> = {
  postmark: 'Postmark account token',
  posthog: 'PostHog personal API key with project:read',
  cloudflare: 'Cloudflare token with API Tokens Read',
  sendgrid: 'SendGrid key with api_keys.read',
};

/** Providers whose API lists keys (what "Import keys" needs, besides an admin key). */
const LISTS_KEYS: ReadonlySet<string> = new Set(['postmark', 'posthog', 'cloudflare', 'sendgrid']);

/** Providers verified by a probe request, and the path the backend probes by default. */
const PROBE_PATHS: Readonly<Record<string, string>> = {
  postmon: '/v1/event',
  postnomic: '/api/v1/posts',
};

export interface ConnectionFields {
  /** The base URL has no documented default and must be given. */
  baseUrlRequired: boolean;
  baseUrlPlaceholder: string;
  projectId: boolean;
  accountId: boolean;
  probePath: boolean;
  probePlaceholder: string;
  /** The provider has a management API: an admin key can be given (with this hint). */
  adminSecret: boolean;
  adminHint: string;
}

/** Which fields of the add form a provider shows. */
export function connectionFields(provider: string): ConnectionFields {
  const base = DEFAULT_BASE_URLS[provider];
  return {
    baseUrlRequired: provider !== '' && base === undefined,
    baseUrlPlaceholder: base ?? 'https://api.example.com',
    projectId: provider === 'posthog',
    accountId: provider === 'cloudflare',
    probePath: provider in PROBE_PATHS,
    probePlaceholder: PROBE_PATHS[provider] ?? '',
    adminSecret: provider in ADMIN_KEY_HINTS,
    adminHint: ADMIN_KEY_HINTS[provider] ?? '',
  };
}

/**
 * The providers a connection can be made to: the built-in ones. Custom providers are left out:
 * the provider list does not say whether one has a verify URL, and the core connects built-in
 * providers only.
 */
export function connectableProviders(providers: readonly ProviderDto[]): ProviderDto[] {
  return providers.filter((p) => !p.custom && p.id !== 'custom');
}

export interface ConnectionForm {
  provider: string;
  name: string;
  /** A region id of the provider's (`us`, `eu`), or '' for none / a base URL instead. */
  region: string;
  base_url: string;
  project_id: string;
  account_id: string;
  probe_path: string;
  environment: string;
  /** The admin key's value: lives only in the password field, cleared after submit/cancel. */
  admin_secret: string;
  test: boolean;
}

export const EMPTY_CONNECTION_FORM: ConnectionForm = {
  provider: '',
  name: '',
  region: '',
  base_url: '',
  project_id: '',
  account_id: '',
  probe_path: '',
  environment: 'prod',
  admin_secret: '',
  test: true,
};

export type ConnectionErrors = Partial<Record<keyof ConnectionForm | 'general', string>>;

/** Where an admin key is filed: `prod` when configured, else the first environment. */
export function defaultAdminEnvironment(environments: readonly string[]): string {
  return environments.includes('prod') || environments.length === 0 ? 'prod' : environments[0];
}

/** A free name for a new connection to `provider`: "postmark", then "postmark-2", … */
export function suggestConnectionName(provider: string, connections: readonly ConnectionDto[]): string {
  if (!provider) return '';
  const taken = new Set(connections.map((c) => c.name));
  if (!taken.has(provider)) return provider;
  let n = 2;
  while (taken.has(`${provider}-${n}`)) n++;
  return `${provider}-${n}`;
}

const NAME = /^[\p{L}\p{N}._-]+$/u;
const PROJECT = /^[A-Za-z0-9_-]+$/;

function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/**
 * The same rule the backend applies, checked as the user types: https, or http to this computer.
 * Returns the problem as an error code, or null when the URL is acceptable (or empty).
 */
export function baseUrlProblem(text: string): 'invalid_url' | 'insecure_url' | null {
  const raw = text.trim();
  if (!raw) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'invalid_url';
  }
  if (url.username || url.password) return 'invalid_url';
  if (url.protocol === 'https:') return url.hostname ? null : 'invalid_url';
  if (url.protocol === 'http:') return isLoopback(url.hostname) ? null : 'insecure_url';
  return 'invalid_url';
}

const URL_WORDS: Record<'invalid_url' | 'insecure_url', string> = {
  invalid_url: 'Not a valid address: it looks like https://api.example.com (no user name or password in it).',
  insecure_url: 'Keyward talks to providers over https only; plain http is allowed for this computer (127.0.0.1/localhost) only.',
};

/** The form's problems, field by field, before anything is sent. */
export function validateConnection(form: ConnectionForm): ConnectionErrors {
  const errors: ConnectionErrors = {};
  const fields = connectionFields(form.provider);
  if (!form.provider) errors.provider = 'Choose the provider.';
  const name = form.name.trim();
  if (!name) errors.name = 'Give the connection a name.';
  else if (name.length > 64) errors.name = 'At most 64 characters.';
  else if (!NAME.test(name)) errors.name = 'Letters, digits, “-”, “_” or “.” only (no spaces).';
  const url = form.base_url.trim();
  const problem = baseUrlProblem(url);
  if (problem) errors.base_url = URL_WORDS[problem];
  else if (url && form.region) errors.base_url = 'Choose a region or give a base URL, not both.';
  else if (!url && fields.baseUrlRequired) errors.base_url = 'This provider has no public API address: give the base URL.';
  const project = form.project_id.trim();
  if (fields.projectId && project && !PROJECT.test(project)) errors.project_id = 'A project id is letters, digits, “-” or “_”.';
  const probe = form.probe_path.trim();
  if (fields.probePath && probe && !probe.startsWith('/')) errors.probe_path = 'A path starts with “/”, e.g. /v1/ping.';
  if (fields.adminSecret && form.admin_secret.trim() && !form.environment.trim()) {
    errors.environment = 'Choose where the admin key is filed.';
  }
  return errors;
}

/** The `connection_add` input: blank fields become null; fields the provider does not show are dropped. */
export function toNewConnectionInput(form: ConnectionForm): NewConnectionInput {
  const fields = connectionFields(form.provider);
  const text = (v: string, shown = true) => (shown && v.trim() ? v.trim() : null);
  const secret = fields.adminSecret && form.admin_secret.trim() ? form.admin_secret : null;
  return {
    provider: form.provider,
    name: form.name.trim(),
    base_url: text(form.base_url),
    region: text(form.region),
    project_id: text(form.project_id, fields.projectId),
    account_id: text(form.account_id, fields.accountId),
    probe_path: text(form.probe_path, fields.probePath),
    environment: form.environment.trim() || 'prod',
    admin_secret: secret,
    test: secret !== null && form.test,
  };
}

export interface Capability {
  ok: boolean;
  /** Why not, in plain words (for the button's title). */
  reason: string;
}

/** Whether "Test" can run: it verifies the admin key, so there must be one. */
export function canTest(connection: ConnectionDto): Capability {
  return connection.admin_key_id
    ? { ok: true, reason: 'Verify the admin key with the provider' }
    : { ok: false, reason: 'No admin key to test: keys of this connection are verified one by one.' };
}

/** Whether "Import keys" can run, and why not. */
export function canSync(connection: ConnectionDto, providerName: string): Capability {
  if (!LISTS_KEYS.has(connection.provider)) {
    return { ok: false, reason: `${providerName} has no API that lists keys; add them by hand or import a file.` };
  }
  if (!connection.admin_key_id) return { ok: false, reason: 'Needs an admin key to list keys.' };
  if (connection.provider === 'posthog' && !connection.options.project_id) {
    return { ok: false, reason: 'Needs a PostHog project id to list its secret keys.' };
  }
  return { ok: true, reason: `List the keys ${providerName} holds and choose which to import` };
}

/** The base URL as shown: the stored one (connections always have one after adding). */
export function isDefaultBaseUrl(connection: ConnectionDto): boolean {
  return DEFAULT_BASE_URLS[connection.provider] === connection.base_url.replace(/\/+$/, '');
}

/** A connection's one-line extra settings, e.g. "project 12345". */
export function optionSummary(connection: ConnectionDto): string[] {
  const o = connection.options;
  const out: string[] = [];
  if (o.project_id) out.push(`project ${o.project_id}`);
  if (o.account_id) out.push(`account ${o.account_id}`);
  if (o.probe_path) out.push(`probe ${o.probe_path}`);
  return out;
}
