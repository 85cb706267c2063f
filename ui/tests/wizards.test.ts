// @vitest-environment jsdom
// The create / rotate / revoke wizards against a fake backend: hostile names stay text, the
// revealed value leaves the DOM with its dialog, bulk runs report per key, guided steps go in order.
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const core = vi.hoisted(() => ({
  invoke: vi.fn(),
  isTauri: vi.fn(() => true),
  // Stands in for Tauri's Channel: the fake backend calls `onmessage` directly.
  Channel: class {
    onmessage: (message: unknown) => void = () => undefined;
  },
}));
vi.mock('@tauri-apps/api/core', () => core);

import App from '../src/App.svelte';
import CreateWizard from '../src/components/CreateWizard.svelte';
import RevokeWizard from '../src/components/RevokeWizard.svelte';
import RotateWizard from '../src/components/RotateWizard.svelte';
import RotationsJournal from '../src/components/RotationsJournal.svelte';
import WizardHost from '../src/components/WizardHost.svelte';
import { AppStore } from '../src/lib/store.svelte';
import type { KeyDto, RotationDto, RotationEventDto, RotationPlanDto, SettingsDto } from '../src/lib/types';
import { closeWizard, dismissRecovery, openCreateWizard, openRotateWizard, wizards } from '../src/lib/wizards.svelte';
import { listCommandFrom, makeKey } from './fixtures';
import { CONNECTIONS, LIFECYCLE_PROVIDERS, rotation } from './lifecycle-fixtures';

const HOSTILE = '<img src=x onerror=alert(1)>';
const SECRET = 'phs_canary_REVEALED_value_1234567890';
const SETTINGS: SettingsDto = { clipboard_timeout_secs: 30, environments: [{ name: 'dev', position: 0 }, { name: 'prod', position: 1 }], data_dir: '/tmp/k' };

type Handler = (args: Record<string, unknown>) => unknown;

function backend(handlers: Record<string, Handler>): void {
  core.invoke.mockImplementation(async (cmd: string, args: Record<string, unknown> = {}) => {
    // The window's first page (issue 14) comes from the same fake list.
    const handler = handlers[cmd] ?? listCommandFrom(handlers, cmd);
    if (!handler) throw { code: 'internal', message: `no handler for ${cmd}` };
    return handler(args);
  });
}

const calls = (cmd: string) => core.invoke.mock.calls.filter(([c]) => c === cmd);

function storeWith(keys: KeyDto[] = []): AppStore {
  const store = new AppStore();
  store.providers = LIFECYCLE_PROVIDERS;
  store.settings = SETTINGS;
  store.connections = CONNECTIONS;
  store.keys = keys;
  return store;
}

function planOf(key: KeyDto, overrides: Partial<RotationPlanDto> = {}): RotationPlanDto {
  return { key_id: key.id, key_name: key.name, provider: key.provider, environment: key.environment, flavour: 'native_roll', grace_secs: 0, scopes: [], widened: [], dashboard_url: 'https://us.posthog.com/settings', notes: [], blocked: null, value_unknown: false, value_loss: null, grace_is_default: false, ...overrides };
}

/** The event the engine streams when a rotation reaches `r.state`. */
function eventOf(r: RotationDto, kind: RotationEventDto['kind'] = 'step', message = ''): RotationEventDto {
  return { rotation_id: r.id, key_id: r.key_id, key_name: r.key_name, flavour: r.flavour, step: r.state, kind, message: message || r.state, done: 0, total: 3 };
}

/**
 * The secret is nowhere in the page: not in the markup, and not in any field's value (an
 * `<input>`'s value is a property, which `innerHTML` never shows).
 */
function expectNoSecret(): void {
  expect(document.body.innerHTML).not.toContain(SECRET);
  for (const field of document.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>('input, textarea')) {
    expect(field.value, `a ${field.tagName.toLowerCase()} (${field.dataset.testid ?? field.name ?? '?'}) still holds the secret`).not.toContain(SECRET);
  }
}

/** The provider pages the window asked the backend to open. */
const pagesOpened = () => calls('provider_page_open').map(([, a]) => a);

function noHostileElements(container: HTMLElement | Document = document): void {
  expect(container.querySelector('img')).toBeNull();
  expect(container.querySelector('script')).toBeNull();
}

beforeEach(() => {
  core.invoke.mockReset();
  core.isTauri.mockReturnValue(true);
  closeWizard();
  dismissRecovery();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('create wizard', () => {
  it('proposes the purpose’s least privilege, flags a widening, and sends exactly the chosen scopes', async () => {
    const created = makeKey({ name: HOSTILE, provider: 'posthog', kind: 'project_secret', environment: 'prod' });
    backend({ key_create: () => ({ key: created, widened_scopes: ['insight:read'], reveal_token: 'tok' }), key_show: () => ({ key: created, audit: [], secret_present: true }) });
    const store = storeWith();
    render(CreateWizard, { props: { store, prefill: { connectionId: 'c-posthog', environment: 'prod', purpose: 'evaluate_feature_flags' }, onclose: () => undefined } });

    const scopes = () => screen.getAllByTestId('create-scope').map((e) => [e.getAttribute('data-scope'), e.getAttribute('data-widened')]);
    expect(scopes()).toEqual([['feature_flag:read', 'no']]);
    expect(screen.queryByTestId('create-widened')).toBeNull();
    await fireEvent.input(screen.getByTestId('create-extra-scopes'), { target: { value: 'insight:read' } });
    expect(scopes()).toEqual([['feature_flag:read', 'no'], ['insight:read', 'yes']]);
    expect(screen.getByTestId('create-widened').textContent).toContain('insight:read');

    await fireEvent.input(screen.getByTestId('create-name'), { target: { value: HOSTILE } });
    // Issue 16: a created key gets an owner (it was filed without one).
    await fireEvent.input(screen.getByTestId('create-owner'), { target: { value: ' growth-team ' } });
    await fireEvent.click(screen.getByTestId('create-submit'));
    await screen.findByTestId('create-done');
    const [, args] = calls('key_create')[0];
    expect(args).toEqual({
      input: {
        guided: false,
        connection_id: 'c-posthog',
        provider: 'posthog',
        kind: 'project_secret',
        name: HOSTILE,
        environment: 'prod',
        purpose: 'evaluate_feature_flags',
        scopes: ['feature_flag:read', 'insight:read'],
        secret: null,
        owner: 'growth-team',
      },
    });
    expect(screen.getByTestId('create-done-name').textContent).toContain(HOSTILE);
    expect(screen.getByTestId('create-done-widened').textContent).toContain('insight:read');
    noHostileElements();
  });

  it('guided: opens the dashboard, sends the pasted value once, and shows the provider’s refusal next to the field', async () => {
    let attempt = 0;
    const created = makeKey({ name: 'Insights', provider: 'posthog', kind: 'personal' });
    backend({
      provider_page_open: () => null,
      key_create: () => {
        attempt += 1;
        if (attempt === 1) throw { code: 'provider_unauthorized', message: '401' };
        return { key: created, widened_scopes: [], reveal_token: null };
      },
      key_show: () => ({ key: created, audit: [], secret_present: true }),
    });
    render(CreateWizard, { props: { store: storeWith(), prefill: { provider: 'postmark' }, onclose: () => undefined } });
    await fireEvent.change(screen.getByTestId('create-source'), { target: { value: 'guided:posthog' } });
    await fireEvent.change(screen.getByTestId('create-purpose'), { target: { value: 'read_insights' } });
    expect(screen.getByTestId('create-form').getAttribute('data-mode')).toBe('guided');
    await fireEvent.click(screen.getByTestId('create-open-dashboard'));
    expect(pagesOpened()).toEqual([{ provider: 'posthog', kind: 'personal', page: 'dashboard' }]);

    await fireEvent.input(screen.getByTestId('create-name'), { target: { value: 'Insights' } });
    const secret = screen.getByTestId('create-secret') as HTMLInputElement;
    expect(secret.type).toBe('password');
    await fireEvent.input(secret, { target: { value: SECRET } });
    await fireEvent.click(screen.getByTestId('create-submit'));
    await waitFor(() => expect(screen.getByTestId('create-form').textContent).toContain('did not accept'));
    // Positive control: the field keeps the value for a retry, and the check sees it there
    // although `innerHTML` does not.
    expect(document.body.innerHTML).not.toContain(SECRET);
    expect(() => expectNoSecret()).toThrow(/create-secret/);
    await fireEvent.click(screen.getByTestId('create-submit'));
    await screen.findByTestId('create-done');
    expect(calls('key_create').map(([, a]) => (a as { input: { secret: string } }).input.secret)).toEqual([SECRET, SECRET]);
    // A pasted key needs no reveal: only Copy is offered.
    expect(screen.queryByTestId('reveal-show')).toBeNull();
    expectNoSecret();
  });
});

describe('reveal once', () => {
  it('shows the value only on request, once, and it is gone from the DOM after the dialog closes', async () => {
    const created = makeKey({ name: 'Flags', provider: 'posthog', kind: 'project_secret' });
    backend({
      key_create: () => ({ key: created, widened_scopes: [], reveal_token: 'tok-1' }),
      key_reveal: ({ token }) => {
        if (token !== 'tok-1') throw { code: 'reveal_expired', message: '' };
        return { value: SECRET };
      },
      key_copy: () => ({ timeout_secs: 30, clears_at: new Date(Date.now() + 30_000).toISOString() }),
      key_show: () => ({ key: created, audit: [], secret_present: true }),
    });
    const store = storeWith();
    const onclose = vi.fn();
    const view = render(CreateWizard, { props: { store, prefill: { connectionId: 'c-posthog', purpose: 'evaluate_feature_flags' }, onclose } });
    await fireEvent.input(screen.getByTestId('create-name'), { target: { value: 'Flags' } });
    await fireEvent.click(screen.getByTestId('create-submit'));
    await screen.findByTestId('create-done');
    expectNoSecret();

    await fireEvent.click(screen.getByTestId('reveal-copy'));
    expect(calls('key_copy')).toHaveLength(1);
    expect(calls('key_reveal')).toHaveLength(0);

    await fireEvent.click(screen.getByTestId('reveal-show'));
    expect((await screen.findByTestId('reveal-value')).textContent).toBe(SECRET);
    expect((screen.getByTestId('reveal-show') as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.click(screen.getByTestId('reveal-show'));
    expect(calls('key_reveal')).toHaveLength(1);

    await fireEvent.click(screen.getByTestId('reveal-hide'));
    expectNoSecret();
    expect((screen.getByTestId('reveal-show') as HTMLButtonElement).disabled).toBe(true);

    await fireEvent.click(screen.getByTestId('create-close'));
    expect(onclose).toHaveBeenCalled();
    view.unmount();
    expectNoSecret();
  });

  it('closing the dialog (through the host, as in the window) while the value shows removes it', async () => {
    const created = makeKey({ name: 'Flags', provider: 'posthog', kind: 'project_secret' });
    backend({ key_create: () => ({ key: created, widened_scopes: [], reveal_token: 't' }), key_reveal: () => ({ value: SECRET }), key_show: () => ({ key: created, audit: [], secret_present: true }) });
    render(WizardHost, { props: { store: storeWith() } });
    openCreateWizard({ connectionId: 'c-posthog', purpose: 'evaluate_feature_flags' });
    await fireEvent.input(await screen.findByTestId('create-name'), { target: { value: 'Flags' } });
    await fireEvent.click(screen.getByTestId('create-submit'));
    await fireEvent.click(await screen.findByTestId('reveal-show'));
    expect((await screen.findByTestId('reveal-value')).textContent).toBe(SECRET);
    await fireEvent.click(screen.getByTestId('create-close'));
    await waitFor(() => expect(screen.queryByTestId('create-wizard')).toBeNull());
    expect(wizards.current).toBeNull();
    expectNoSecret();
  });
});

describe('rotate wizard', () => {
  it('bulk: shows the plan, then a progress bar and one outcome per key; one failure does not stop the others', async () => {
    const keys = [makeKey({ name: HOSTILE, provider: 'posthog', kind: 'project_secret' }), makeKey({ name: 'b', provider: 'posthog', kind: 'project_secret' }), makeKey({ name: 'c', provider: 'sendgrid', kind: 'api_key' })];
    const [a, b, c] = keys;
    backend({
      rotation_plan: () => [planOf(a), planOf(b), planOf(c, { flavour: 'create_revoke', grace_secs: 86_400 })],
      key_rotate: async ({ onEvent }) => {
        const send = (e: RotationEventDto) => (onEvent as { onmessage: (e: unknown) => void }).onmessage(e);
        const ra = rotation({ id: 'ra', key_id: a.id, state: 'done', last_step: 'done' });
        const rb = rotation({ id: 'rb', key_id: b.id, state: 'planned', error: 'the provider answered 503' });
        const rc = rotation({ id: 'rc', key_id: c.id, flavour: 'create_revoke', state: 'promoted', last_step: 'promoted', grace_secs: 86_400, revoke_after: new Date(Date.now() + 23.5 * 3_600_000).toISOString() });
        send(eventOf(ra));
        send(eventOf(rb, 'stopped', 'the provider answered 503'));
        send(eventOf(rc, 'finished'));
        return [
          { key_id: a.id, rotation: ra, error_code: null, message: 'done', reveal_token: 'ta' },
          { key_id: b.id, rotation: rb, error_code: 'provider_unavailable', message: 'the provider answered 503', reveal_token: null },
          { key_id: c.id, rotation: rc, error_code: null, message: 'promoted; old key revoked after the grace period', reveal_token: 'tc' },
        ];
      },
      keys_list: () => keys,
      rotation_list: () => [],
    });
    const store = storeWith(keys);
    render(RotateWizard, { props: { store, keyIds: keys.map((k) => k.id), onclose: () => undefined } });
    const rows = await screen.findAllByTestId('rotate-plan-row');
    expect(rows.map((r) => r.getAttribute('data-flavour'))).toEqual(['native_roll', 'native_roll', 'create_revoke']);
    expect(screen.getByTestId('rotate-plan-grace').textContent).toContain('grace 1 d');
    expect(rows[0].textContent).toContain(HOSTILE);
    noHostileElements();

    await fireEvent.click(screen.getByTestId('rotate-start'));
    await waitFor(() => expect(screen.getByTestId('rotate-run').getAttribute('data-phase')).toBe('done'));
    const progress = screen.getByTestId('rotate-progress');
    expect([progress.getAttribute('data-done'), progress.getAttribute('data-total'), progress.getAttribute('data-failed')]).toEqual(['3', '3', '1']);
    const outcome = Object.fromEntries(screen.getAllByTestId('rotate-result').map((r) => [r.getAttribute('data-key-id'), r.getAttribute('data-phase')]));
    expect(outcome).toEqual({ [a.id]: 'done', [b.id]: 'failed', [c.id]: 'done' });
    const failed = screen.getAllByTestId('rotate-result').find((r) => r.getAttribute('data-key-id') === b.id)!;
    expect(within(failed).getByTestId('rotate-key-error').textContent).toContain('could not be reached');
    const graced = screen.getAllByTestId('rotate-result').find((r) => r.getAttribute('data-key-id') === c.id)!;
    expect(within(graced).getByTestId('rotate-revokes-in').textContent).toBe('Old key revokes in 23 h');
    // Copy / show once for the keys that got a new value, none for the failed one.
    expect(screen.getAllByTestId('reveal-once').map((e) => e.getAttribute('data-key-id'))).toEqual([a.id, c.id]);
    expect(screen.getAllByTestId('rotate-result')[0].textContent).toContain(HOSTILE);
    noHostileElements();
    const [, args] = calls('key_rotate')[0];
    expect((args as { input: unknown }).input).toEqual({ key_ids: keys.map((k) => k.id), grace_secs: null, narrow: false, accept_value_loss: [] });
  });

  it('choosing a grace period asks for a new plan with it (a roll becomes create + revoke)', async () => {
    const key = makeKey({ name: 'flags', provider: 'posthog', kind: 'project_secret' });
    backend({
      rotation_plan: ({ input }) => {
        const grace = (input as { grace_secs: number | null }).grace_secs;
        return [planOf(key, grace ? { flavour: 'create_revoke', grace_secs: grace } : {})];
      },
    });
    render(RotateWizard, { props: { store: storeWith([key]), keyIds: [key.id], onclose: () => undefined } });
    const row = await screen.findByTestId('rotate-plan-row');
    expect(row.getAttribute('data-flavour')).toBe('native_roll');
    await fireEvent.change(screen.getByTestId('rotate-grace'), { target: { value: '3600' } });
    await waitFor(() => expect(screen.getByTestId('rotate-plan-row').getAttribute('data-flavour')).toBe('create_revoke'));
    expect((calls('rotation_plan').at(-1)![1] as { input: { grace_secs: number | null } }).input.grace_secs).toBe(3600);
    expect(screen.getByTestId('rotate-plan-grace').textContent).toContain('grace 1 h');
  });

  it('runs a key without a known value only once its row is accepted', async () => {
    const keys = [makeKey({ name: 'held' }), makeKey({ name: 'tracked' })];
    backend({
      rotation_plan: () => [planOf(keys[0]), planOf(keys[1], { value_unknown: true, value_loss: 'whatever uses it stops working now' })],
      key_rotate: () => [],
      keys_list: () => keys,
      rotation_list: () => [],
    });
    render(RotateWizard, { props: { store: storeWith(keys), keyIds: keys.map((k) => k.id), onclose: () => undefined } });
    const accept = (await screen.findByTestId('rotate-accept')) as HTMLInputElement;
    expect(screen.getByTestId('rotate-start').textContent).toContain('Rotate 1 key');
    await fireEvent.click(accept);
    expect(screen.getByTestId('rotate-start').textContent).toContain('Rotate 2 keys');
    await fireEvent.click(screen.getByTestId('rotate-start'));
    await waitFor(() => expect(calls('key_rotate')).toHaveLength(1));
    expect((calls('key_rotate')[0][1] as { input: { key_ids: string[]; accept_value_loss: string[] } }).input).toMatchObject({ key_ids: [keys[0].id, keys[1].id], accept_value_loss: [keys[1].id] });
  });

  it('leaves out keys the user unticks and keys that cannot be rotated', async () => {
    const keys = [makeKey({ name: 'a' }), makeKey({ name: 'b' }), makeKey({ name: 'gone', status: 'revoked' })];
    backend({
      rotation_plan: () => [planOf(keys[0]), planOf(keys[1]), planOf(keys[2], { blocked: 'the key is already revoked' })],
      key_rotate: () => [],
      keys_list: () => keys,
      rotation_list: () => [],
    });
    render(RotateWizard, { props: { store: storeWith(keys), keyIds: keys.map((k) => k.id), narrow: true, onclose: () => undefined } });
    const checks = (await screen.findAllByTestId('rotate-plan-check')) as HTMLInputElement[];
    expect(checks[2].disabled).toBe(true);
    expect(checks[2].checked).toBe(false);
    await fireEvent.click(checks[1]);
    expect(screen.getByTestId('rotate-start').textContent).toContain('Rotate 1 key');
    await fireEvent.click(screen.getByTestId('rotate-start'));
    await waitFor(() => expect(calls('key_rotate')).toHaveLength(1));
    expect((calls('key_rotate')[0][1] as { input: { key_ids: string[]; narrow: boolean } }).input).toMatchObject({ key_ids: [keys[0].id], narrow: true });
  });

  it('guided: paste → verified and promoted → “I revoked the old key” → Keyward confirms → done', async () => {
    const key = makeKey({ name: HOSTILE, provider: 'postmark', kind: 'server_token' });
    const waiting = rotation({ id: 'g1', key_id: key.id, key_name: key.name, flavour: 'guided', waiting_for: 'paste' });
    let confirms = 0;
    backend({
      provider_page_open: () => null,
      rotation_plan: () => [planOf(key, { flavour: 'guided', dashboard_url: 'https://account.postmarkapp.com/servers' })],
      key_rotate: ({ onEvent }) => {
        (onEvent as { onmessage: (e: unknown) => void }).onmessage(eventOf(waiting, 'finished'));
        return [{ key_id: key.id, rotation: waiting, error_code: null, message: 'waiting for the new key', reveal_token: null }];
      },
      rotation_guided_submit: ({ rotationId, secret }) => {
        expect([rotationId, secret]).toEqual(['g1', SECRET]);
        return { ...waiting, state: 'promoted', last_step: 'promoted', waiting_for: 'revoke_old' };
      },
      rotation_guided_confirm: () => {
        confirms += 1;
        if (confirms === 1) throw { code: 'old_key_still_valid', message: 'the old key still works at the provider' };
        return { ...waiting, state: 'done', last_step: 'done', waiting_for: null };
      },
      keys_list: () => [key],
      rotation_list: () => [],
    });
    render(RotateWizard, { props: { store: storeWith([key]), keyIds: [key.id], onclose: () => undefined } });
    await fireEvent.click(await screen.findByTestId('rotate-start'));
    const guided = await screen.findByTestId('rotate-guided');
    expect(guided.getAttribute('data-waiting')).toBe('paste');
    await fireEvent.click(screen.getByTestId('rotate-open-dashboard'));
    expect(pagesOpened()).toEqual([{ provider: 'postmark', kind: 'server_token', page: 'dashboard' }]);
    await fireEvent.input(screen.getByTestId('rotate-secret'), { target: { value: SECRET } });
    await fireEvent.click(screen.getByTestId('rotate-submit-secret'));
    await waitFor(() => expect(screen.getByTestId('rotate-guided').getAttribute('data-waiting')).toBe('revoke_old'));
    expectNoSecret();
    await fireEvent.click(screen.getByTestId('rotate-confirm-revoked'));
    expect((await screen.findByTestId('rotate-guided-error')).textContent).toContain('still accepts the old key');
    await fireEvent.click(screen.getByTestId('rotate-confirm-revoked'));
    await waitFor(() => expect(screen.getByTestId('rotate-result').getAttribute('data-phase')).toBe('done'));
    const marks = screen.getAllByTestId('rotation-step').map((s) => s.getAttribute('data-mark'));
    expect(marks).toEqual(['done', 'done', 'done', 'done', 'done', 'done']);
    noHostileElements();
  });
});

describe('revoke wizard', () => {
  it('shows the error by code when the key cannot be read, and nothing of a partial key', async () => {
    const key = makeKey({ name: 'Mail', provider: 'sendgrid', kind: 'api_key', connection_id: 'c-sendgrid' });
    backend({ key_get: () => Promise.reject({ code: 'storage', message: 'database is locked' }) });
    render(RevokeWizard, { props: { store: storeWith([key]), keyId: key.id, onclose: () => undefined } });
    expect(await screen.findByTestId('revoke-error')).toBeTruthy();
    expect(screen.queryByTestId('revoke-form')).toBeNull();
  });

  it('needs the typed name, shows the name as text, and reports the confirmed 401', async () => {
    const key = makeKey({ name: HOSTILE, provider: 'sendgrid', kind: 'api_key', connection_id: 'c-sendgrid' });
    backend({ key_get: () => key, key_revoke: () => ({ key: { ...key, status: 'revoked' }, confirmed_dead: true, message: 'revoked' }), rotation_list: () => [] });
    const store = storeWith([key]);
    render(RevokeWizard, { props: { store, keyId: key.id, onclose: () => undefined } });
    // The list holds compact rows (issue 14): the wizard reads the whole key (its connection decides the mode).
    expect((await screen.findByTestId('revoke-form')).getAttribute('data-mode')).toBe('api');
    expect(calls('key_get')[0][1]).toEqual({ id: key.id });
    expect(screen.getByTestId('revoke-name').textContent).toContain(HOSTILE);
    noHostileElements();
    const submit = screen.getByTestId('revoke-submit') as HTMLButtonElement;
    expect(submit.disabled).toBe(true);
    await fireEvent.input(screen.getByTestId('revoke-confirm-name'), { target: { value: 'something else' } });
    expect(submit.disabled).toBe(true);
    await fireEvent.input(screen.getByTestId('revoke-confirm-name'), { target: { value: HOSTILE } });
    expect(submit.disabled).toBe(false);
    await fireEvent.click(submit);
    expect((await screen.findByTestId('revoke-done')).getAttribute('data-confirmed')).toBe('yes');
    expect(calls('key_revoke')[0][1]).toEqual({ id: key.id, confirmName: HOSTILE });
    expect(store.keys[0].status).toBe('revoked');
    noHostileElements();
  });

  it('guided: points to the dashboard and keeps the key when the provider still accepts it', async () => {
    const key = makeKey({ name: 'Mail', provider: 'postmark', kind: 'server_token' });
    backend({ key_get: () => key, provider_page_open: () => null, key_revoke: () => Promise.reject({ code: 'old_key_still_valid', message: 'still 200' }) });
    render(RevokeWizard, { props: { store: storeWith([key]), keyId: key.id, onclose: () => undefined } });
    expect((await screen.findByTestId('revoke-form')).getAttribute('data-mode')).toBe('guided');
    await fireEvent.click(screen.getByTestId('revoke-open-dashboard'));
    expect(pagesOpened()).toEqual([{ provider: 'postmark', kind: 'server_token', page: 'dashboard' }]);
    await fireEvent.input(screen.getByTestId('revoke-confirm-name'), { target: { value: 'Mail' } });
    await fireEvent.click(screen.getByTestId('revoke-submit'));
    expect((await screen.findByTestId('revoke-error')).textContent).toContain('still accepts');
    expect(screen.queryByTestId('revoke-done')).toBeNull();
  });
});

describe('journal, key status and start-up recovery', () => {
  it('the journal lists rotations with state and pending revocations; names render as text', async () => {
    const soon = new Date(Date.now() + 23.5 * 3_600_000).toISOString();
    backend({
      rotation_list: () => [
        rotation({ id: 'r1', key_name: HOSTILE, state: 'promoted', last_step: 'promoted', flavour: 'create_revoke', revoke_after: soon }),
        rotation({ id: 'r2', key_name: 'old', state: 'done', last_step: 'done' }),
      ],
    });
    render(RotationsJournal, { props: { store: storeWith(), onclose: () => undefined } });
    const rows = await screen.findAllByTestId('rotation-row');
    expect(rows.map((r) => r.getAttribute('data-state'))).toEqual(['promoted', 'done']);
    expect(within(rows[0]).getByTestId('rotation-revoke').textContent?.trim()).toBe('Old key revokes in 23 h');
    expect(screen.getByTestId('rotations-pending').getAttribute('data-count')).toBe('1');
    await fireEvent.click(screen.getByTestId('rotations-only-pending'));
    expect(screen.getAllByTestId('rotation-row')).toHaveLength(1);
    expect(rows[0].textContent).toContain(HOSTILE);
    noHostileElements();
  });

  it('the window runs recovery once on load and lists what happened; the key shows its pending revocation', async () => {
    const key = makeKey({ name: HOSTILE, provider: 'sendgrid', kind: 'api_key', environment: 'prod' });
    const pending = rotation({ key_id: key.id, key_name: key.name, flavour: 'create_revoke', state: 'promoted', last_step: 'promoted', revoke_after: new Date(Date.now() + 23.5 * 3_600_000).toISOString() });
    backend({
      keys_list: () => [key],
      providers_list: () => LIFECYCLE_PROVIDERS,
      settings_get: () => SETTINGS,
      keychain_status: () => ({ state: 'ok', message: '', fix: '', backend: '' }),
      connections_list: () => CONNECTIONS,
      app_ready: () => null,
      key_show: () => ({ key, audit: [], secret_present: true }),
      rotation_recover: () => [{ rotation_id: pending.id, key_id: key.id, key_name: key.name, action: 'resumed', step: 'promoted', detail: 'promoted the verified new key' }],
      rotation_list: () => [pending],
    });
    render(App);
    const notice = await screen.findByTestId('recovery-notice');
    expect(screen.getByTestId('recovery-item').textContent).toContain(`“${HOSTILE}”: finished the rotation — promoted the verified new key`);
    expect(calls('rotation_recover')).toHaveLength(1);
    noHostileElements(notice);

    await fireEvent.click(await screen.findByTestId('key-row'));
    expect((await screen.findByTestId('key-revokes-in')).textContent).toBe('Old key revokes in 23 h');
    expect(screen.getByTestId('rotate-key').textContent?.trim()).toBe('Continue rotation…');
    await fireEvent.click(screen.getByTestId('recovery-dismiss'));
    expect(screen.queryByTestId('recovery-notice')).toBeNull();
  });

  it('the host opens the wizard another panel asked for', async () => {
    const key = makeKey({ name: 'x', provider: 'posthog', kind: 'project_secret' });
    backend({ rotation_plan: () => [planOf(key)] });
    render(WizardHost, { props: { store: storeWith([key]) } });
    expect(screen.queryByTestId('rotate-wizard')).toBeNull();
    openRotateWizard([key.id], { narrow: true });
    await screen.findByTestId('rotate-wizard');
    expect((calls('rotation_plan')[0][1] as { input: { narrow: boolean } }).input.narrow).toBe(true);
    await fireEvent.click(screen.getByTestId('rotate-cancel'));
    expect(wizards.current).toBeNull();
  });
});
