// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const core = vi.hoisted(() => ({ invoke: vi.fn(), isTauri: vi.fn(() => true) }));
vi.mock('@tauri-apps/api/core', () => core);
const wizards = vi.hoisted(() => ({ openRotateWizard: vi.fn(), openRevokeWizard: vi.fn(), openCreateWizard: vi.fn() }));
// The real module (the wizard host renders from it), with the three openers spied on.
vi.mock('../src/lib/wizards.svelte', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../src/lib/wizards.svelte')>()),
  ...wizards,
}));

import App from '../src/App.svelte';
import FindingBadges from '../src/components/FindingBadges.svelte';
import FindingsPanel from '../src/components/FindingsPanel.svelte';
import ReviewDialog from '../src/components/ReviewDialog.svelte';
import SettingsDialog from '../src/components/SettingsDialog.svelte';
import { dateInDays } from '../src/lib/findings';
import { AppStore } from '../src/lib/store.svelte';
import type { Finding, KeyDto, PolicyDto, ReviewDto, SettingsDto } from '../src/lib/types';
import { listCommandFrom, makeKey, PROVIDERS } from './fixtures';

const HOSTILE = '<img src=x onerror=alert(1)>';
const SETTINGS: SettingsDto = { clipboard_timeout_secs: 30, environments: [{ name: 'dev', position: 0 }, { name: 'prod', position: 1 }], data_dir: '/tmp/k' };
const ACK = { reason: 'frozen until the migration', until: '2026-12-31T23:59:59Z', at: '2026-11-01T00:00:00Z', actor: 'ana' };

const finding = (code: string, over: Partial<Finding> = {}): Finding => ({
  code,
  severity: 'medium',
  attention: 'action',
  message: `${code}: why`,
  advice: `${code}: what to do`,
  action: '',
  excess_scopes: [],
  acknowledged: null,
  ...over,
});

type Handler = (args: Record<string, unknown>) => unknown;
function backend(handlers: Record<string, Handler>): void {
  core.invoke.mockImplementation(async (cmd: string, args: Record<string, unknown> = {}) => {
    // The window's first page (issue 14) comes from the same fake list.
    const handler = handlers[cmd] ?? listCommandFrom(handlers, cmd);
    if (!handler) throw { code: 'internal', message: `no handler for ${cmd}` };
    return handler(args);
  });
}
const calls = (cmd: string) => core.invoke.mock.calls.filter((c) => c[0] === cmd);

function storeWith(keys: KeyDto[] = []): AppStore {
  const store = new AppStore();
  store.providers = PROVIDERS;
  store.settings = SETTINGS;
  store.keys = keys;
  return store;
}

beforeEach(() => {
  core.invoke.mockReset();
  for (const f of Object.values(wizards)) f.mockReset();
});
afterEach(() => vi.useRealTimers());

describe('finding badges', () => {
  it('render kinds as text, worst first, with the reason as a tooltip; hostile text stays text', () => {
    const { container } = render(FindingBadges, {
      props: { findings: [finding('unused', { severity: 'info' }), finding('expired', { severity: 'critical', message: HOSTILE })], max: 3 },
    });
    const badges = screen.getAllByTestId('finding-badge');
    expect(badges.map((b) => b.getAttribute('data-kind'))).toEqual(['expired', 'unused']);
    expect(badges[0].className).toContain('bad');
    expect(badges[0].getAttribute('title')).toContain(HOSTILE);
    expect(container.querySelector('img')).toBeNull();
  });

  it('hide acknowledged findings on rows but say that some are acknowledged', () => {
    render(FindingBadges, { props: { findings: [finding('stale', { acknowledged: ACK })] } });
    const badge = screen.getByTestId('finding-badge');
    expect(badge.getAttribute('data-kind')).toBe('acknowledged');
    expect(badge.getAttribute('title')).toContain('frozen until the migration');
  });

  it('show only findings that need action; warnings and gentle prompts stay in the detail (issue 16)', () => {
    render(FindingBadges, {
      props: {
        findings: [
          finding('incomplete', { severity: 'low', attention: 'info' }),
          finding('unused', { severity: 'low', attention: 'warning' }),
          finding('expired', { severity: 'high' }),
        ],
      },
    });
    expect(screen.getAllByTestId('finding-badge').map((b) => b.getAttribute('data-kind'))).toEqual(['expired']);
  });

  it('show nothing on a row whose findings are all quiet', () => {
    const { container } = render(FindingBadges, { props: { findings: [finding('incomplete', { severity: 'low', attention: 'info' })] } });
    expect(container.querySelector('[data-testid="finding-badges"]')).toBeNull();
  });

  it('fold the rest into +N', () => {
    render(FindingBadges, { props: { findings: ['stale', 'unused', 'reused', 'incomplete'].map((c) => finding(c)), max: 2 } });
    expect(screen.getAllByTestId('finding-badge')).toHaveLength(2);
    expect(screen.getByTestId('finding-more').textContent).toBe('+2');
  });
});

describe('findings panel', () => {
  const key = makeKey({
    name: HOSTILE,
    findings: [
      finding('over_privileged', { message: `Account token for “${HOSTILE}”`, excess_scopes: ['account:*'] }),
      finding('stale', { severity: 'critical' }),
      finding('unused', { severity: 'info' }),
      finding('incomplete', { severity: 'info' }),
      finding('reused', { acknowledged: ACK }),
    ],
  });

  it('shows each reason and advice as text, the excess scopes and acknowledgements', () => {
    const { container } = render(FindingsPanel, { props: { store: storeWith([key]), key } });
    const items = screen.getAllByTestId('finding');
    expect(items.map((i) => i.getAttribute('data-kind'))).toEqual(['stale', 'over_privileged', 'unused', 'incomplete', 'reused']);
    expect(items[1].textContent).toContain(HOSTILE);
    expect(container.querySelector('img')).toBeNull();
    expect(within(items[1]).getByTestId('finding-excess').textContent).toContain('account:*');
    expect(within(items[4]).getByTestId('finding-ack').textContent).toContain('frozen until the migration');
    expect(within(items[4]).queryByTestId('finding-ack-open')).toBeNull();
  });

  it('one-click fixes call the wizards: rotate, narrow, revoke; edit opens the edit form', async () => {
    const store = storeWith([key]);
    render(FindingsPanel, { props: { store, key } });
    const fix = (kind: string) => within(screen.getAllByTestId('finding').find((i) => i.getAttribute('data-kind') === kind)!).getByTestId('finding-fix');
    await fireEvent.click(fix('stale'));
    expect(wizards.openRotateWizard).toHaveBeenCalledWith([key.id]);
    await fireEvent.click(fix('over_privileged'));
    expect(wizards.openRotateWizard).toHaveBeenLastCalledWith([key.id], { narrow: true });
    await fireEvent.click(fix('unused'));
    expect(wizards.openRevokeWizard).toHaveBeenCalledWith(key.id);
    backend({ key_show: () => ({ key, audit: [], secret_present: true }) });
    await fireEvent.click(fix('incomplete'));
    expect(store.editRequest).toBe(key.id);
  });

  it('does not offer key-changing fixes on a revoked key', () => {
    const revoked = { ...key, status: 'revoked' as const };
    render(FindingsPanel, { props: { store: storeWith([revoked]), key: revoked } });
    const stale = screen.getAllByTestId('finding').find((i) => i.getAttribute('data-kind') === 'stale')!;
    expect((within(stale).getByTestId('finding-fix') as HTMLButtonElement).disabled).toBe(true);
  });

  it('acknowledges with a reason and an expiry, and refuses an empty reason', async () => {
    const store = storeWith([key]);
    const acked = { ...key, findings: key.findings.map((f) => (f.code === 'stale' ? { ...f, acknowledged: { ...ACK, reason: 'ok' } } : f)) };
    backend({ finding_acknowledge: () => acked, key_show: () => ({ key: acked, audit: [], secret_present: true }) });
    render(FindingsPanel, { props: { store, key } });
    const stale = () => screen.getAllByTestId('finding').find((i) => i.getAttribute('data-kind') === 'stale')!;
    await fireEvent.click(within(stale()).getByTestId('finding-ack-open'));
    await fireEvent.click(screen.getByTestId('ack-submit'));
    expect(screen.getByRole('alert').textContent).toMatch(/why/i);
    expect(calls('finding_acknowledge')).toHaveLength(0);
    await fireEvent.input(screen.getByTestId('ack-reason'), { target: { value: '  vendor freeze  ' } });
    const until = dateInDays(Date.now(), 60);
    await fireEvent.input(screen.getByTestId('ack-until'), { target: { value: until } });
    await fireEvent.click(screen.getByTestId('ack-submit'));
    await waitFor(() => expect(calls('finding_acknowledge')).toHaveLength(1));
    const input = (calls('finding_acknowledge')[0][1] as { input: { key_id: string; kind: string; reason: string; until: string } }).input;
    expect(input).toMatchObject({ key_id: key.id, kind: 'stale', reason: 'vendor freeze' });
    expect(Date.parse(input.until) - Date.now()).toBeGreaterThan(59 * 86_400_000);
    await waitFor(() => expect(store.keys[0].findings.find((f) => f.code === 'stale')?.acknowledged).toBeTruthy());
  });

  it('acknowledges a finding on every key of the provider in one go (issue 16)', async () => {
    const store = storeWith([key]);
    backend({ findings_acknowledge: () => ({ acknowledged: 12, until: null }), keys_list: () => [key], key_show: () => ({ key, audit: [], secret_present: true }) });
    render(FindingsPanel, { props: { store, key } });
    const stale = screen.getAllByTestId('finding').find((i) => i.getAttribute('data-kind') === 'stale')!;
    await fireEvent.click(within(stale).getByTestId('finding-ack-open'));
    const providerScope = screen.getAllByTestId('ack-scope-option').find((o) => o.getAttribute('data-scope') === 'provider')!;
    await fireEvent.click(providerScope);
    await fireEvent.input(screen.getByTestId('ack-reason'), { target: { value: 'known, migrating' } });
    await fireEvent.click(screen.getByTestId('ack-submit'));
    await waitFor(() => expect(calls('findings_acknowledge')).toHaveLength(1));
    expect(calls('finding_acknowledge')).toHaveLength(0);
    const input = (calls('findings_acknowledge')[0][1] as { input: Record<string, unknown> }).input;
    expect(input).toMatchObject({ kind: 'stale', provider: key.provider, environment: null, reason: 'known, migrating' });
  });

  it('marks quiet findings as such in the detail', () => {
    const quiet = { ...key, findings: [finding('incomplete', { severity: 'low', attention: 'info' })] };
    render(FindingsPanel, { props: { store: storeWith([quiet]), key: quiet } });
    const item = screen.getByTestId('finding');
    expect(item.getAttribute('data-attention')).toBe('info');
    expect(within(item).getByTestId('finding-attention').textContent).toBe('note');
  });

  it('shows the backend error when acknowledging fails', async () => {
    backend({ finding_acknowledge: () => { throw { code: 'not_found', message: 'no such key' }; }, keys_list: () => [] });
    render(FindingsPanel, { props: { store: storeWith([key]), key } });
    await fireEvent.click(within(screen.getAllByTestId('finding')[0]).getByTestId('finding-ack-open'));
    await fireEvent.input(screen.getByTestId('ack-reason'), { target: { value: 'x' } });
    await fireEvent.click(screen.getByTestId('ack-submit'));
    expect((await screen.findByTestId('ack-error')).textContent).toBeTruthy();
  });
});

const REVIEW: ReviewDto = {
  generated_at: '2026-11-23T12:00:00Z',
  total: 3,
  groups: [
    { environment: 'prod', provider: 'postmark', total: 2, by_status: { active: 1, invalid: 1 }, overdue: 1, due_soon: 0 },
    { environment: HOSTILE, provider: 'posthog', total: 1, by_status: { active: 1 }, overdue: 0, due_soon: 1 },
  ],
  overdue: [{ key_id: 'k1', name: HOSTILE, environment: 'prod', provider: 'postmark', owner: `<b>${HOSTILE}</b>`, due_at: '2026-10-01T00:00:00Z', days_left: -53, cause: 'rotation' }],
  due_soon: [{ key_id: 'k2', name: 'soon', environment: HOSTILE, provider: 'posthog', owner: null, due_at: '2026-11-30T00:00:00Z', days_left: 6, cause: 'expiry' }],
  rotations: [
    { period: '2026-11-02', rotations: 1 },
    { period: '2026-11-09', rotations: 0 },
    { period: '2026-11-16', rotations: 3 },
  ],
  finding_counts: { stale: 1, expiring: 1, reused: 0 },
  keychain_checked: true,
  action_count: 2,
  quiet_count: 3,
  provider_facts: [
    { provider: 'postman', provider_name: 'Postman', key_kind: 'api_key', key_kind_name: 'API key', keys: 40, fact: `Postman keys carry full access ${HOSTILE}`, advice: 'Use a dedicated user.' },
  ],
};

describe('review view', () => {
  it('shows counts per environment and provider, overdue and due-soon lists, the trend; hostile names as text', async () => {
    backend({ review_get: () => REVIEW });
    const { baseElement } = render(ReviewDialog, { props: { store: storeWith(), onclose: vi.fn(), onopenkey: vi.fn() } });
    const view = await screen.findByTestId('review-view');
    expect(view.getAttribute('data-total')).toBe('3');
    const envs = screen.getAllByTestId('review-env');
    expect(envs.map((e) => e.getAttribute('data-env'))).toEqual(['prod', HOSTILE]);
    const pm = screen.getAllByTestId('review-group').find((g) => g.getAttribute('data-provider') === 'postmark')!;
    expect(pm.querySelector('[data-status="invalid"]')?.textContent).toBe('1');
    const overdue = screen.getByTestId('review-overdue');
    expect(overdue.textContent).toContain(HOSTILE);
    expect(overdue.textContent).toContain(`<b>${HOSTILE}</b>`);
    expect(screen.getByTestId('review-due-soon').textContent).toContain('No owner'.toLowerCase());
    expect(screen.getAllByTestId('trend-bar').map((b) => b.getAttribute('data-rotations'))).toEqual(['1', '0', '3']);
    expect(screen.getByTestId('review-findings').querySelectorAll('[data-kind]')).toHaveLength(2);
    expect(screen.getByTestId('review-needs-action').getAttribute('data-count')).toBe('2');
    expect(screen.getByTestId('review-needs-action').textContent).toMatch(/2 findings need action.*3 more to note/);
    const fact = screen.getByTestId('review-provider-fact');
    expect(fact.getAttribute('data-provider')).toBe('postman');
    expect(fact.textContent).toContain(HOSTILE);
    expect(fact.textContent).toContain('40');
    expect(baseElement.querySelector('img, b')).toBeNull();
  });

  it('opens a key from the lists', async () => {
    backend({ review_get: () => REVIEW });
    const onopenkey = vi.fn();
    render(ReviewDialog, { props: { store: storeWith(), onclose: vi.fn(), onopenkey } });
    const item = (await screen.findAllByTestId('review-item'))[0];
    await fireEvent.click(within(item).getByRole('button'));
    expect(onopenkey).toHaveBeenCalledWith('k1');
  });

  it('exports through the backend’s save dialog, naming no path; cancel shows nothing', async () => {
    let answer: string | null = null;
    backend({ review_get: () => REVIEW, review_export: () => (answer === null ? null : { path: answer, bytes: 1234 }) });
    render(ReviewDialog, { props: { store: storeWith(), onclose: vi.fn(), onopenkey: vi.fn() } });
    await screen.findByTestId('review-view');
    const button = (format: string) => screen.getAllByTestId('review-export').find((b) => b.getAttribute('data-format') === format)!;
    expect(screen.queryByTestId('review-export-path'), 'no field for a path').toBeNull();

    await fireEvent.click(button('csv'));
    await waitFor(() => expect(calls('review_export')).toHaveLength(1));
    expect(calls('review_export')[0][1]).toEqual({ format: 'csv' });
    expect(screen.queryByTestId('review-exported')).toBeNull();

    answer = '/home/u/review.html';
    await fireEvent.click(button('html'));
    await waitFor(() => expect(calls('review_export')).toHaveLength(2));
    expect(calls('review_export')[1][1]).toEqual({ format: 'html' });
    expect((await screen.findByTestId('review-exported')).getAttribute('data-path')).toBe('/home/u/review.html');
  });

  it('shows an export failure by its message', async () => {
    backend({ review_get: () => REVIEW, review_export: () => { throw { code: 'storage', message: 'cannot write /nope/r.md: permission denied' }; } });
    render(ReviewDialog, { props: { store: storeWith(), onclose: vi.fn(), onopenkey: vi.fn() } });
    await screen.findByTestId('review-view');
    await fireEvent.click(screen.getAllByTestId('review-export').find((b) => b.getAttribute('data-format') === 'md')!);
    expect((await screen.findByTestId('review-export-error')).textContent).toBeTruthy();
  });

  it('says why the review could not load, and retries', async () => {
    let fail = true;
    backend({ review_get: () => { if (fail) throw { code: 'storage', message: 'database is locked' }; return REVIEW; } });
    render(ReviewDialog, { props: { store: storeWith(), onclose: vi.fn(), onopenkey: vi.fn() } });
    const error = await screen.findByTestId('review-error');
    fail = false;
    await fireEvent.click(within(error).getByRole('button'));
    expect(await screen.findByTestId('review-view')).toBeTruthy();
  });
});

describe('in the window', () => {
  const keys = [
    makeKey({ name: 'old prod', environment: 'prod', findings: [finding('stale', { severity: 'critical' })] }),
    makeKey({ name: 'fine', environment: 'prod' }),
    makeKey({ name: 'acked', environment: 'dev', findings: [finding('unused', { acknowledged: ACK })] }),
  ];
  const handlers = {
    keys_list: () => keys,
    providers_list: () => PROVIDERS,
    settings_get: () => SETTINGS,
    keychain_status: () => ({ state: 'ok', message: '', fix: '', backend: '' }),
    app_ready: () => null,
    connections_list: () => [],
    key_show: ({ id }: Record<string, unknown>) => ({ key: keys.find((k) => k.id === id), audit: [], secret_present: true }),
    review_get: () => REVIEW,
  };

  it('badges rows and filters by finding with counts', async () => {
    backend(handlers);
    render(App);
    await screen.findAllByTestId('key-row');
    const row = screen.getAllByTestId('key-row').find((r) => r.getAttribute('data-key-name') === 'old prod')!;
    expect(within(row).getByTestId('finding-badge').getAttribute('data-kind')).toBe('stale');
    const filter = screen.getByTestId('filter-finding') as HTMLSelectElement;
    expect([...filter.options].map((o) => o.textContent)).toEqual(['Any findings', 'Any finding (1)', 'Stale (1)', 'Acknowledged (1)']);
    await fireEvent.change(filter, { target: { value: 'stale' } });
    await waitFor(() => expect(screen.getAllByTestId('key-row').map((r) => r.getAttribute('data-key-name'))).toEqual(['old prod']));
    await fireEvent.change(filter, { target: { value: 'acknowledged' } });
    await waitFor(() => expect(screen.getAllByTestId('key-row').map((r) => r.getAttribute('data-key-name'))).toEqual(['acked']));
  });

  it('opens the Review view from the toolbar, and a key from it', async () => {
    backend(handlers);
    render(App);
    await screen.findAllByTestId('key-row');
    await fireEvent.click(screen.getByTestId('review'));
    await screen.findByTestId('review-view');
    const first = (await screen.findAllByTestId('review-item'))[0];
    backend({ ...handlers, key_show: () => ({ key: keys[0], audit: [], secret_present: true }) });
    await fireEvent.click(within(first).getByRole('button'));
    await waitFor(() => expect(screen.queryByTestId('review-dialog')).toBeNull());
  });
});

describe('policy in settings', () => {
  const POLICY: PolicyDto = {
    default: { environment: '*', max_age_days: 365, unused_days: 30, expiring_days: 14 },
    environments: [{ environment: 'prod', max_age_days: 90, unused_days: 30, expiring_days: 14 }],
    notify_due: true,
  };

  it('edits per-environment thresholds and the notification, saving only what changed', async () => {
    backend({ policy_get: () => POLICY, policy_update: ({ patch }) => ({ ...POLICY, ...(patch as object) }) });
    const onclose = vi.fn();
    render(SettingsDialog, { props: { store: storeWith(), onclose } });
    const rows = await screen.findAllByTestId('policy-row');
    expect(rows.map((r) => r.getAttribute('data-env'))).toEqual(['*', 'dev', 'prod']);
    const dev = rows[1];
    await fireEvent.input(within(dev).getByTestId('policy-max_age_days'), { target: { value: '200' } });
    await fireEvent.click(screen.getByTestId('settings-notify-due'));
    await fireEvent.click(screen.getByTestId('settings-save'));
    await waitFor(() => expect(calls('policy_update')).toHaveLength(1));
    expect(calls('policy_update')[0][1]).toEqual({
      patch: {
        environments: [
          { environment: 'dev', max_age_days: 200, unused_days: 30, expiring_days: 14 },
          { environment: 'prod', max_age_days: 90, unused_days: 30, expiring_days: 14 },
        ],
        notify_due: false,
      },
    });
    await waitFor(() => expect(onclose).toHaveBeenCalled());
  });

  it('saves a default owner for keys Keyward files itself (issue 16)', async () => {
    backend({ policy_get: () => POLICY, settings_update: ({ patch }) => ({ ...SETTINGS, ...(patch as object) }) });
    const onclose = vi.fn();
    render(SettingsDialog, { props: { store: storeWith(), onclose } });
    await screen.findAllByTestId('policy-row');
    await fireEvent.input(screen.getByTestId('settings-default-owner'), { target: { value: ' platform-team ' } });
    await fireEvent.click(screen.getByTestId('settings-save'));
    await waitFor(() => expect(calls('settings_update')).toHaveLength(1));
    expect(calls('settings_update')[0][1]).toEqual({ patch: { default_owner: 'platform-team' } });
    await waitFor(() => expect(onclose).toHaveBeenCalled());
  });

  it('refuses a bad number and does not save anything', async () => {
    backend({ policy_get: () => POLICY, settings_update: () => SETTINGS });
    const onclose = vi.fn();
    render(SettingsDialog, { props: { store: storeWith(), onclose } });
    const rows = await screen.findAllByTestId('policy-row');
    await fireEvent.input(within(rows[0]).getByTestId('policy-unused_days'), { target: { value: '0' } });
    await fireEvent.click(screen.getByTestId('settings-save'));
    expect((await screen.findAllByRole('alert')).some((a) => /whole days/i.test(a.textContent ?? ''))).toBe(true);
    expect(calls('policy_update')).toHaveLength(0);
    expect(onclose).not.toHaveBeenCalled();
  });
});
