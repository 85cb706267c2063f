// Fixtures for the create / rotate / revoke tests: providers whose kinds say which operations
// have an API, connections, and journal entries.
import type { ConnectionDto, KindDto, OperationsDto, ProviderDto, RotationDto } from '../src/lib/types';

const API: OperationsDto = { list: 'api', create: 'api', roll: 'api', revoke: 'api', verify: 'unsupported' };
const MANUAL: OperationsDto = { list: 'manual', create: 'manual', roll: 'manual', revoke: 'manual', verify: 'api' };
const SENDGRID: OperationsDto = { list: 'api', create: 'api', roll: 'unsupported', revoke: 'api', verify: 'api' };

function kind(id: string, display_name: string, operations: OperationsDto, dashboard_url = ''): KindDto {
  return { id, display_name, presentation: 'bearer', presentation_name: 'Authorization', prefix: null, privilege: 'scoped', client_safe: false, dashboard_url, notes: '', operations };
}

export const LIFECYCLE_PROVIDERS: ProviderDto[] = [
  {
    id: 'posthog',
    display_name: 'PostHog',
    dashboard_url: 'https://us.posthog.com/settings',
    custom: false,
    kinds: [kind('project_secret', 'Project secret key', API), kind('personal', 'Personal key', MANUAL, 'https://us.posthog.com/settings/user-api-keys')],
    purposes: [
      { id: 'evaluate_feature_flags', label: 'Evaluate feature flags server-side', minimal_kind: 'project_secret', scopes: ['feature_flag:read'] },
      { id: 'read_insights', label: 'Read insights and dashboards', minimal_kind: 'personal', scopes: ['insight:read', 'dashboard:read'] },
    ],
  },
  {
    id: 'postmark',
    display_name: 'Postmark',
    dashboard_url: 'https://account.postmarkapp.com/servers',
    custom: false,
    kinds: [kind('server_token', 'Server token', MANUAL)],
    purposes: [{ id: 'send_email', label: 'Send transactional email', minimal_kind: 'server_token', scopes: [] }],
  },
  {
    id: 'sendgrid',
    display_name: 'SendGrid',
    dashboard_url: 'https://app.sendgrid.com/settings/api_keys',
    custom: false,
    kinds: [kind('api_key', 'API key', SENDGRID)],
    purposes: [{ id: 'send_email', label: 'Send transactional email', minimal_kind: 'api_key', scopes: ['mail.send'] }],
  },
];

export const CONNECTIONS: ConnectionDto[] = [
  { id: 'c-posthog', name: 'PostHog EU', provider: 'posthog', base_url: 'https://eu.posthog.com', admin_key_id: 'k-admin', options: { project_id: '1' }, created_at: '2024-01-01T00:00:00Z' },
  { id: 'c-postmark', name: 'Postmark', provider: 'postmark', base_url: 'https://api.postmarkapp.com', admin_key_id: null, options: {}, created_at: '2024-01-01T00:00:00Z' },
];

export function rotation(overrides: Partial<RotationDto> = {}): RotationDto {
  return {
    id: 'r1',
    key_id: 'k1',
    key_name: 'Key',
    provider: 'posthog',
    environment: 'prod',
    flavour: 'native_roll',
    state: 'planned',
    last_step: 'planned',
    grace_secs: 0,
    started_at: '2024-05-01T10:00:00Z',
    updated_at: '2024-05-01T10:00:00Z',
    revoke_after: null,
    waiting_for: null,
    error_code: null,
    error: null,
    note: null,
    ...overrides,
  };
}
