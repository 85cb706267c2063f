import { describe, expect, it } from 'vitest';
import {
  ADMIN_KEY_HINTS,
  baseUrlProblem,
  canSync,
  canTest,
  connectableProviders,
  connectionFields,
  DEFAULT_BASE_URLS,
  defaultAdminEnvironment,
  EMPTY_CONNECTION_FORM,
  isDefaultBaseUrl,
  optionSummary,
  suggestConnectionName,
  toNewConnectionInput,
  validateConnection,
  type ConnectionForm,
} from '../src/lib/connections';
import type { ConnectionDto, ProviderDto } from '../src/lib/types';

const form = (overrides: Partial<ConnectionForm> = {}): ConnectionForm => ({ ...EMPTY_CONNECTION_FORM, ...overrides });

function connection(overrides: Partial<ConnectionDto> = {}): ConnectionDto {
  return {
    id: 'c1',
    name: 'pm',
    provider: 'postmark',
    base_url: 'https://api.postmarkapp.com',
    admin_key_id: 'k1',
    options: {},
    created_at: '2026-01-01T00:00:00Z',
    ...overrides,
  };
}

describe('connection fields per provider', () => {
  it('uses the documented default base URL as the placeholder', () => {
    expect(connectionFields('postmark').baseUrlPlaceholder).toBe('https://api.postmarkapp.com');
    expect(connectionFields('postman').baseUrlPlaceholder).toBe('https://api.getpostman.com');
    expect(connectionFields('posthog').baseUrlPlaceholder).toBe('https://us.posthog.com');
    expect(connectionFields('cloudflare').baseUrlPlaceholder).toBe('https://api.cloudflare.com/client/v4');
    expect(connectionFields('sendgrid').baseUrlPlaceholder).toBe('https://api.sendgrid.com/v3');
    expect(connectionFields('postmon').baseUrlPlaceholder).toBe('https://api.postmon.io');
    expect(Object.keys(DEFAULT_BASE_URLS)).toHaveLength(6);
  });

  it('requires a base URL only where there is no documented one (Postnomic)', () => {
    expect(connectionFields('postnomic').baseUrlRequired).toBe(true);
    expect(connectionFields('postmark').baseUrlRequired).toBe(false);
    // Nothing chosen yet: nothing required.
    expect(connectionFields('').baseUrlRequired).toBe(false);
  });

  it('shows the project id for PostHog, the account id for Cloudflare, the probe path for Postmon and Postnomic', () => {
    const shown = (p: string) => {
      const f = connectionFields(p);
      return [f.projectId && 'project', f.accountId && 'account', f.probePath && 'probe', f.adminSecret && 'admin'].filter(Boolean);
    };
    expect(shown('posthog')).toEqual(['project', 'admin']);
    expect(shown('cloudflare')).toEqual(['account', 'admin']);
    expect(shown('postmark')).toEqual(['admin']);
    expect(shown('sendgrid')).toEqual(['admin']);
    expect(shown('postmon')).toEqual(['probe']);
    expect(shown('postnomic')).toEqual(['probe']);
    expect(shown('postman')).toEqual([]);
  });

  it('says which admin key each management API takes', () => {
    expect(connectionFields('postmark').adminHint).toBe('Postmark account token');
    expect(connectionFields('posthog').adminHint).toBe('PostHog personal API key with project:read');
    expect(connectionFields('cloudflare').adminHint).toBe('Cloudflare token with API Tokens Read');
    expect(connectionFields('sendgrid').adminHint).toBe('SendGrid key with api_keys.read');
    expect(Object.keys(ADMIN_KEY_HINTS).sort()).toEqual(['cloudflare', 'posthog', 'postmark', 'sendgrid']);
  });

  it('offers built-in providers only', () => {
    const p = (id: string, custom = false): ProviderDto => ({ id, display_name: id, dashboard_url: '', kinds: [], purposes: [], custom });
    expect(connectableProviders([p('postmark'), p('custom'), p('acme', true)]).map((x) => x.id)).toEqual(['postmark']);
  });
});

describe('defaults', () => {
  it('files the admin key under prod, else the first environment', () => {
    expect(defaultAdminEnvironment(['dev', 'staging', 'prod'])).toBe('prod');
    expect(defaultAdminEnvironment(['dev', 'live'])).toBe('dev');
    expect(defaultAdminEnvironment([])).toBe('prod');
    expect(EMPTY_CONNECTION_FORM.test).toBe(true);
  });

  it('suggests a free name from the provider', () => {
    expect(suggestConnectionName('postmark', [])).toBe('postmark');
    expect(suggestConnectionName('postmark', [connection({ name: 'postmark' }), connection({ name: 'postmark-2' })])).toBe('postmark-3');
    expect(suggestConnectionName('', [])).toBe('');
  });
});

describe('base URL rule', () => {
  it('accepts https and loopback http', () => {
    for (const url of ['https://api.postmarkapp.com', 'https://eu.posthog.com/', 'http://127.0.0.1:8787', 'http://localhost:9000/v3', 'http://[::1]:8080', '']) {
      expect(baseUrlProblem(url), url).toBeNull();
    }
  });

  it('refuses plain http elsewhere as insecure', () => {
    expect(baseUrlProblem('http://api.postmarkapp.com')).toBe('insecure_url');
    expect(baseUrlProblem('http://10.0.0.5')).toBe('insecure_url');
    expect(baseUrlProblem('http://localhost.evil.com')).toBe('insecure_url');
  });

  it('refuses what is not a URL, other schemes and credentials', () => {
    expect(baseUrlProblem('api.postmarkapp.com')).toBe('invalid_url');
    expect(baseUrlProblem('ftp://example.com')).toBe('invalid_url');
    expect(baseUrlProblem('https://user:pw@example.com')).toBe('invalid_url');
  });
});

describe('validateConnection', () => {
  it('needs a provider and a name', () => {
    const errors = validateConnection(form());
    expect(errors.provider).toBeTruthy();
    expect(errors.name).toBeTruthy();
  });

  it('accepts a minimal connection (default base URL, no admin key)', () => {
    expect(validateConnection(form({ provider: 'postmark', name: 'postmark-prod' }))).toEqual({});
  });

  it('checks the name the way the backend does', () => {
    expect(validateConnection(form({ provider: 'postman', name: 'my conn' })).name).toMatch(/no spaces/);
    expect(validateConnection(form({ provider: 'postman', name: 'x'.repeat(65) })).name).toMatch(/64/);
    expect(validateConnection(form({ provider: 'postman', name: 'eu.prod_1-a' })).name).toBeUndefined();
  });

  it('puts URL problems under the base URL', () => {
    expect(validateConnection(form({ provider: 'postmark', name: 'a', base_url: 'http://api.example.com' })).base_url).toMatch(/https only/);
    expect(validateConnection(form({ provider: 'postmark', name: 'a', base_url: 'nonsense' })).base_url).toMatch(/Not a valid address/);
    expect(validateConnection(form({ provider: 'postnomic', name: 'a' })).base_url).toMatch(/give the base URL/);
    expect(validateConnection(form({ provider: 'postnomic', name: 'a', base_url: 'https://blog.example.com' })).base_url).toBeUndefined();
  });

  it('checks project id and probe path only where shown', () => {
    expect(validateConnection(form({ provider: 'posthog', name: 'a', project_id: '12 34' })).project_id).toBeTruthy();
    expect(validateConnection(form({ provider: 'posthog', name: 'a', project_id: '1234' })).project_id).toBeUndefined();
    expect(validateConnection(form({ provider: 'postmon', name: 'a', probe_path: 'v1/event' })).probe_path).toBeTruthy();
    expect(validateConnection(form({ provider: 'postmark', name: 'a', probe_path: 'v1/event' })).probe_path).toBeUndefined();
  });
});

describe('toNewConnectionInput', () => {
  it('sends blanks as null and the admin key as typed', () => {
    expect(
      toNewConnectionInput(form({ provider: 'posthog', name: ' ph ', base_url: ' ', project_id: ' 42 ', admin_secret: ' phx_x ', environment: 'prod' })),
    ).toEqual({
      provider: 'posthog',
      name: 'ph',
      base_url: null,
      region: null,
      project_id: '42',
      account_id: null,
      probe_path: null,
      environment: 'prod',
      admin_secret: ' phx_x ',
      test: true,
    });
  });

  it('drops fields the provider does not show, and never sends an admin key it does not take', () => {
    const input = toNewConnectionInput(form({ provider: 'postman', name: 'pm', project_id: '1', account_id: '2', probe_path: '/p', admin_secret: 'PMAK-x' }));
    expect(input).toMatchObject({ project_id: null, account_id: null, probe_path: null, admin_secret: null, test: false });
  });

  it('does not test when there is no admin key, and honours the checkbox otherwise', () => {
    expect(toNewConnectionInput(form({ provider: 'postmark', name: 'a' })).test).toBe(false);
    expect(toNewConnectionInput(form({ provider: 'postmark', name: 'a', admin_secret: 'k', test: false })).test).toBe(false);
    expect(toNewConnectionInput(form({ provider: 'cloudflare', name: 'a', admin_secret: 'k', account_id: 'acc' }))).toMatchObject({ test: true, account_id: 'acc' });
  });
});

describe('what a connection can do', () => {
  it('tests only with an admin key', () => {
    expect(canTest(connection()).ok).toBe(true);
    expect(canTest(connection({ admin_key_id: null })).ok).toBe(false);
  });

  it('imports only where the API lists keys, with an admin key (and a project for PostHog)', () => {
    expect(canSync(connection(), 'Postmark').ok).toBe(true);
    expect(canSync(connection({ admin_key_id: null }), 'Postmark')).toMatchObject({ ok: false, reason: expect.stringMatching(/admin key/) });
    expect(canSync(connection({ provider: 'postman' }), 'Postman')).toMatchObject({ ok: false, reason: expect.stringMatching(/Postman has no API that lists keys/) });
    expect(canSync(connection({ provider: 'posthog' }), 'PostHog')).toMatchObject({ ok: false, reason: expect.stringMatching(/project id/) });
    expect(canSync(connection({ provider: 'posthog', options: { project_id: '1' } }), 'PostHog').ok).toBe(true);
  });

  it('summarises options and spots the default base URL', () => {
    expect(optionSummary(connection({ options: { project_id: '42', probe_path: '/p' } }))).toEqual(['project 42', 'probe /p']);
    expect(isDefaultBaseUrl(connection())).toBe(true);
    expect(isDefaultBaseUrl(connection({ base_url: 'https://api.postmarkapp.com/' }))).toBe(true);
    expect(isDefaultBaseUrl(connection({ base_url: 'http://127.0.0.1:8787' }))).toBe(false);
  });
});
