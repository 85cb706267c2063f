import type { KeyDto, ProviderDto } from '../src/lib/types';
import { toRow } from '../src/lib/inventory';
import { encodeChunk } from '../src/lib/rowcolumns';

let n = 0;

/** A key with sensible defaults; override what the test is about. */
export function makeKey(overrides: Partial<KeyDto> = {}): KeyDto {
  n += 1;
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    provider: 'postmark',
    kind: 'server_token',
    name: `Key ${n}`,
    environment: 'dev',
    purpose: 'Send transactional email',
    owner: null,
    tags: [],
    scopes: [],
    remote_id: null,
    env_var: `KEY_${n}`,
    created_at: '2024-01-01T00:00:00Z',
    last_rotated_at: null,
    last_used_at: null,
    last_verified_at: null,
    expires_at: null,
    status: 'active',
    fingerprint: null,
    masked_hint: '…abcd',
    updated_at: '2024-01-01T00:00:00Z',
    connection_id: null,
    verify_outcome: null,
    verify_detail: null,
    usage: null,
    findings: [],
    ...overrides,
  };
}

export const PROVIDERS: ProviderDto[] = [
  {
    id: 'postmark',
    display_name: 'Postmark',
    dashboard_url: 'https://account.postmarkapp.com',
    custom: false,
    kinds: [
      {
        id: 'server_token',
        display_name: 'Server token',
        presentation: 'header',
        presentation_name: 'X-Postmark-Server-Token',
        prefix: null,
        privilege: 'scoped',
        client_safe: false,
        dashboard_url: '',
        notes: '',
      },
      {
        id: 'account_token',
        display_name: 'Account token',
        presentation: 'header',
        presentation_name: 'X-Postmark-Account-Token',
        prefix: null,
        privilege: 'full',
        client_safe: false,
        dashboard_url: '',
        notes: '',
      },
    ],
    purposes: [
      { id: 'send_email', label: 'Send transactional email', minimal_kind: 'server_token', scopes: [] },
      { id: 'manage_servers', label: 'Manage servers', minimal_kind: 'account_token', scopes: [] },
    ],
  },
  {
    id: 'posthog',
    display_name: 'PostHog',
    dashboard_url: 'https://us.posthog.com',
    custom: false,
    kinds: [
      {
        id: 'personal',
        display_name: 'Personal key',
        presentation: 'bearer',
        presentation_name: 'Authorization',
        prefix: 'phx_',
        privilege: 'full',
        client_safe: false,
        dashboard_url: '',
        notes: '',
      },
      {
        id: 'project_key',
        display_name: 'Project key',
        presentation: 'body_field',
        presentation_name: 'api_key',
        prefix: 'phc_',
        privilege: 'public',
        client_safe: true,
        dashboard_url: '',
        notes: '',
      },
    ],
    purposes: [{ id: 'ingest', label: 'Ingest events', minimal_kind: 'project_key', scopes: [] }],
  },
];

type ListHandler = (args: Record<string, unknown>) => unknown;

/**
 * `keys_page` (the window's first rows at start-up, issue 14) answered from a fake backend's
 * `keys_list` handler, so every fake backend pages the keys it lists.
 */
/** Keys per chunk the fake `keys_stream` sends: small, so that lists of tests arrive in several chunks. */
export const FAKE_CHUNK = 40;

/**
 * `keys_stream` (the whole list in chunks over a channel, issue 14) answered from a fake
 * backend's `keys_list` handler: every chunk on `onChunk`, then the count.
 */
export function keysStreamFrom(list: ListHandler | undefined): ListHandler | undefined {
  if (!list) return undefined;
  return async (args: Record<string, unknown>) => {
    const keys = (await list({})) as KeyDto[];
    const channel = args.onChunk as { onmessage: (chunk: unknown) => void };
    let offset = 0;
    do {
      channel.onmessage(encodeChunk(keys.slice(offset, offset + FAKE_CHUNK).map(toRow), keys.length, offset));
      offset += FAKE_CHUNK;
    } while (offset < keys.length);
    return keys.length;
  };
}

/** The list commands a fake backend derives from its `keys_list` handler (`keys_page`, `keys_stream`). */
export function listCommandFrom(handlers: Record<string, ListHandler>, cmd: string): ListHandler | undefined {
  if (cmd === 'keys_page') return keysPageFrom(handlers.keys_list);
  if (cmd === 'keys_stream') return keysStreamFrom(handlers.keys_list);
  if (cmd === 'key_get') return keyGetFrom(handlers);
  return undefined;
}

/**
 * `key_get` (the full key behind a list row, issue 14) answered from a fake backend's
 * `key_show` handler, else from its `keys_list`; an unknown id is `not_found`.
 */
export function keyGetFrom(handlers: Record<string, ListHandler>): ListHandler | undefined {
  const show = handlers.key_show;
  if (show) return async (args) => ((await show(args)) as { key: KeyDto }).key;
  const list = handlers.keys_list;
  if (!list) return undefined;
  return async (args) => {
    const key = ((await list({})) as KeyDto[]).find((k) => k.id === args.id);
    if (!key) throw { code: 'not_found', message: 'no such key' };
    return key;
  };
}

export function keysPageFrom(list: ListHandler | undefined): ListHandler | undefined {
  if (!list) return undefined;
  return async (args: Record<string, unknown>) => {
    const keys = (await list({})) as KeyDto[];
    const offset = Number(args.offset ?? 0);
    const limit = Number(args.limit ?? keys.length);
    return { total: keys.length, offset, keys: keys.slice(offset, offset + limit).map(toRow) };
  };
}
