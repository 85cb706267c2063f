import { describe, expect, it } from 'vitest';
import {
  activeRotation,
  confirmMatches,
  createMode,
  createSources,
  parseScopes,
  planSummary,
  purposesFor,
  recoveryLines,
  reduceRotate,
  revokeCountdown,
  revokeMode,
  runCounts,
  stepMarks,
  validateCreate,
  widenedScopes,
  type RotateRun,
} from '../src/lib/lifecycle';
import type { RotationEventDto, RotationPlanDto } from '../src/lib/types';
import { closeWizard, openCreateWizard, openRevokeWizard, openRotateWizard, wizards } from '../src/lib/wizards.svelte';
import { CONNECTIONS, LIFECYCLE_PROVIDERS, rotation } from './lifecycle-fixtures';

const posthog = LIFECYCLE_PROVIDERS[0];

function plan(key_id: string, overrides: Partial<RotationPlanDto> = {}): RotationPlanDto {
  return { key_id, key_name: key_id, provider: 'posthog', environment: 'prod', flavour: 'native_roll', grace_secs: 0, scopes: [], widened: [], dashboard_url: '', notes: [], blocked: null, value_unknown: false, value_loss: null, grace_is_default: false, ...overrides };
}

function ev(key_id: string, step: RotationEventDto['step'], kind: RotationEventDto['kind'] = 'step', extra: Partial<RotationEventDto> = {}): RotationEventDto {
  return { rotation_id: `r-${key_id}`, key_id, key_name: key_id, flavour: 'native_roll', step, kind, message: step, done: 0, total: 3, ...extra };
}

describe('create', () => {
  it('tells API kinds from guided ones; a kind without operations is guided', () => {
    expect(createMode(posthog.kinds[0])).toBe('api');
    expect(createMode(posthog.kinds[1])).toBe('guided');
    expect(createMode({ ...posthog.kinds[0], operations: undefined })).toBe('guided');
    expect(createMode({ ...posthog.kinds[0], operations: { ...posthog.kinds[0].operations!, create: 'unsupported' } })).toBe('none');
  });

  it('offers connections whose provider can create through the API first, then dashboards', () => {
    const sources = createSources(LIFECYCLE_PROVIDERS, CONNECTIONS);
    expect(sources.map((s) => s.id)).toEqual(['connection:c-posthog', 'guided:posthog', 'guided:postmark']);
    expect(sources[0]).toMatchObject({ mode: 'api', connectionId: 'c-posthog', provider: 'posthog' });
    // Guided keys are linked to (and verified through) a connection of their provider when there is one.
    expect(sources[2]).toMatchObject({ mode: 'guided', connectionId: 'c-postmark' });
    // A Postmark connection creates nothing: Postmark has no create API.
    expect(sources.some((s) => s.mode === 'api' && s.connectionId === 'c-postmark')).toBe(false);
  });

  it('lists only the purposes whose least-privilege kind can be made that way', () => {
    expect(purposesFor(posthog, 'api').map((p) => p.id)).toEqual(['evaluate_feature_flags']);
    expect(purposesFor(posthog, 'guided').map((p) => p.id)).toEqual(['read_insights']);
  });

  it('flags every scope beyond the proposal as a widening', () => {
    expect(parseScopes(' insight:read, query:read  insight:read\n')).toEqual(['insight:read', 'query:read']);
    expect(widenedScopes(['feature_flag:read'], ['feature_flag:read'])).toEqual([]);
    expect(widenedScopes(['feature_flag:read'], ['feature_flag:read', 'insight:read'])).toEqual(['insight:read']);
  });

  it('asks for a pasted key only when guided', () => {
    const form = { sourceId: 's', kind: 'k', name: 'n', environment: 'prod', purpose: '', extraScopes: '' };
    expect(validateCreate(form, 'api', '')).toEqual({});
    expect(validateCreate(form, 'guided', '  ')).toHaveProperty('secret');
    expect(validateCreate({ ...form, name: ' ' }, 'api', '')).toHaveProperty('name');
  });
});

describe('rotation steps', () => {
  it('ticks reached steps and marks the next as in progress', () => {
    const marks = stepMarks(rotation({ state: 'verified', last_step: 'verified' }));
    expect(marks).toEqual({ planned: 'done', created: 'done', verified: 'done', promoted: 'current', old_revoked: 'todo', done: 'todo' });
  });

  it('marks the step after the last one reached as where a failed rotation stopped', () => {
    const marks = stepMarks(rotation({ state: 'failed', last_step: 'created' }));
    expect(marks.created).toBe('done');
    expect(marks.verified).toBe('failed');
    expect(marks.promoted).toBe('todo');
  });

  it('says when the old key is revoked during the grace period', () => {
    const now = Date.parse('2024-05-01T10:00:00Z');
    const r = rotation({ state: 'promoted', revoke_after: '2024-05-02T09:30:00Z' });
    expect(revokeCountdown(r, now)).toBe('Old key revokes in 23 h');
    expect(revokeCountdown(r, Date.parse('2024-05-02T09:30:00Z'))).toBe('Old key revocation is due');
    expect(revokeCountdown({ ...r, state: 'done' }, now)).toBeNull();
    expect(revokeCountdown({ ...r, revoke_after: null }, now)).toBeNull();
  });

  it('summarises a plan by flavour and blocked keys', () => {
    expect(planSummary([plan('a'), plan('b', { flavour: 'create_revoke' }), plan('c', { blocked: 'revoked' })])).toBe(
      '3 keys: 1 rolled at the provider, 1 created new + old revoked; 1 cannot be rotated',
    );
  });

  it('finds the unfinished rotation of a key', () => {
    const rs = [rotation({ id: 'old', state: 'done' }), rotation({ id: 'new', state: 'promoted', started_at: '2024-06-01T00:00:00Z' }), rotation({ id: 'other', key_id: 'k2' })];
    expect(activeRotation(rs, 'k1')?.id).toBe('new');
    expect(activeRotation(rs, 'k3')).toBeNull();
  });
});

describe('a bulk rotate run', () => {
  const start = () => reduceRotate(null, { type: 'start', plans: [plan('a'), plan('b'), plan('c'), plan('d', { blocked: 'Revoked keys cannot be rotated.' })] });

  it('skips blocked keys from the start', () => {
    const run = start()!;
    expect(run.order).toEqual(['a', 'b', 'c', 'd']);
    expect(run.keys.d.phase).toBe('skipped');
    expect(run.keys.d.error).toMatch(/Revoked/);
    expect(runCounts(run)).toMatchObject({ total: 4, finished: 1, skipped: 1 });
  });

  it('follows each key through its steps; one failure leaves the others alone', () => {
    let run: RotateRun | null = start();
    run = reduceRotate(run, { type: 'step', event: ev('a', 'created') });
    expect(run!.keys.a.phase).toBe('running');
    expect(run!.keys.a.rotation).toMatchObject({ id: 'r-a', state: 'created', last_step: 'created' });
    run = reduceRotate(run, { type: 'step', event: ev('b', 'planned') });
    run = reduceRotate(run, { type: 'step', event: ev('b', 'planned', 'stopped', { message: 'the provider answered 503' }) });
    expect(run!.keys.b.phase).toBe('failed');
    run = reduceRotate(run, { type: 'step', event: ev('a', 'done') });
    run = reduceRotate(run, { type: 'step', event: ev('c', 'done', 'finished') });
    expect(run!.keys.a.phase).toBe('done');
    run = reduceRotate(run, {
      type: 'finish',
      outcomes: [
        { key_id: 'a', rotation: rotation({ id: 'r-a', key_id: 'a', state: 'done', last_step: 'done' }), error_code: null, message: 'done', reveal_token: 't-a' },
        { key_id: 'b', rotation: rotation({ id: 'r-b', key_id: 'b', state: 'planned' }), error_code: 'provider_unavailable', message: 'the provider answered 503', reveal_token: null },
        { key_id: 'c', rotation: rotation({ id: 'r-c', key_id: 'c', state: 'done', last_step: 'done' }), error_code: null, message: 'done', reveal_token: 't-c' },
      ],
    });
    expect(run!.phase).toBe('done');
    expect(runCounts(run)).toEqual({ total: 4, finished: 4, done: 2, failed: 1, waiting: 0, skipped: 1 });
    expect(run!.keys.b.error).toMatch(/could not be reached.*\(the provider answered 503\)/);
    expect(run!.keys.a.revealToken).toBe('t-a');
    expect(run!.keys.b.revealToken).toBeNull();
  });

  it('a failed step keeps how far the rotation got', () => {
    let run = start();
    run = reduceRotate(run, { type: 'step', event: ev('a', 'created') });
    run = reduceRotate(run, { type: 'step', event: ev('a', 'rolled_back', 'step', { message: 'the new key did not verify' }) });
    expect(run!.keys.a.rotation).toMatchObject({ state: 'rolled_back', last_step: 'created', error: 'the new key did not verify' });
    expect(run!.keys.a.phase).toBe('failed');
  });

  it('shows a guided key as waiting for the user, and a grace-period key as done for this run', () => {
    let run = start();
    run = reduceRotate(run, { type: 'step', event: ev('a', 'planned', 'finished', { flavour: 'guided' }) });
    run = reduceRotate(run, { type: 'step', event: ev('b', 'promoted', 'finished', { flavour: 'create_revoke' }) });
    expect(run!.keys.a.phase).toBe('waiting');
    expect(run!.keys.a.rotation?.waiting_for).toBe('paste');
    expect(run!.keys.b.phase).toBe('done');
    run = reduceRotate(run, { type: 'rotation', rotation: rotation({ key_id: 'a', flavour: 'guided', state: 'promoted', last_step: 'promoted', waiting_for: 'revoke_old' }) });
    expect(run!.keys.a.phase).toBe('waiting');
    run = reduceRotate(run, { type: 'rotation', rotation: rotation({ key_id: 'a', flavour: 'guided', state: 'done', last_step: 'done' }) });
    expect(run!.keys.a.phase).toBe('done');
  });

  it('ignores events for keys outside the run', () => {
    const run = start();
    expect(reduceRotate(run, { type: 'step', event: ev('zzz', 'created') })).toBe(run);
  });
});

describe('revoke', () => {
  it('needs the exact name', () => {
    expect(revokeMode(posthog.kinds[0])).toBe('api');
    expect(revokeMode(posthog.kinds[1])).toBe('guided');
    // The API needs a connection to call it with.
    expect(revokeMode(posthog.kinds[0], { connection_id: null })).toBe('guided');
    expect(revokeMode(posthog.kinds[0], { connection_id: 'c' })).toBe('api');
    expect(confirmMatches({ name: 'Prod mail' }, 'Prod mail ')).toBe(true);
    expect(confirmMatches({ name: 'Prod mail' }, 'prod mail')).toBe(false);
    expect(confirmMatches({ name: ' ' }, '')).toBe(false);
  });
});

describe('recovery notice', () => {
  it('says per rotation what start-up did', () => {
    expect(recoveryLines([{ key_name: 'Prod flags', action: 'rolled_back', detail: 'the new key was never verified' }])).toEqual([
      '“Prod flags”: rolled back (the old key stays current) — the new key was never verified',
    ]);
    expect(recoveryLines([{ key_name: 'x', action: 'something_new', detail: '' }])).toEqual(['“x”: something_new']);
  });
});

describe('wizard openers (used by other panels)', () => {
  it('open one wizard at a time with what they were given', () => {
    openRotateWizard(['a', 'b', 'a'], { narrow: true });
    expect(wizards.current).toEqual({ kind: 'rotate', keyIds: ['a', 'b'], narrow: true });
    openRevokeWizard('k');
    expect(wizards.current).toEqual({ kind: 'revoke', keyId: 'k' });
    openCreateWizard({ provider: 'posthog', environment: 'prod', replacesKeyId: 'k' });
    expect(wizards.current).toEqual({ kind: 'create', prefill: { provider: 'posthog', environment: 'prod', replacesKeyId: 'k' } });
    closeWizard();
    openRotateWizard([]);
    expect(wizards.current).toBeNull();
  });
});
