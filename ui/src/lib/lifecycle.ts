// Create / rotate / revoke, as plain logic: which way a key can be made (API or guided), the
// least-privilege scopes and any widening, the rotation steps and their display, a bulk run as a
// reducer over the streamed step events, and "old key revokes in 23 h".

import { errorMessage } from './errors';
import { formatDuration, parseTime, plural } from './format';
import type {
  ConnectionDto,
  KeyDto,
  KindDto,
  ProviderDto,
  PurposeDto,
  RecoveryDto,
  RotationDto,
  RotationEventDto,
  RotationFlavour,
  RotationOutcomeDto,
  RotationPlanDto,
  RotationState,
  RotationStep,
} from './types';

// ---------------------------------------------------------------------------------------------
// Create

export type CreateMode = 'api' | 'guided' | 'none';

/** How a key of this kind is created: through a connection's API, guided, or not at all. */
export function createMode(kind: KindDto | undefined): CreateMode {
  const mode = kind?.operations?.create ?? 'manual';
  return mode === 'api' ? 'api' : mode === 'manual' ? 'guided' : 'none';
}

/** One choice of the wizard's first step: a connection (API) or a provider's dashboard (guided). */
export interface CreateSource {
  id: string;
  mode: 'api' | 'guided';
  provider: string;
  connectionId: string | null;
  label: string;
}

/** Connections first (Keyward creates the key), then each provider whose keys are made in its dashboard. */
export function createSources(providers: readonly ProviderDto[], connections: readonly ConnectionDto[]): CreateSource[] {
  const out: CreateSource[] = [];
  for (const c of connections) {
    const p = providers.find((x) => x.id === c.provider);
    if (p?.kinds.some((k) => createMode(k) === 'api')) {
      out.push({ id: `connection:${c.id}`, mode: 'api', provider: c.provider, connectionId: c.id, label: `${c.name} (${p.display_name} API)` });
    }
  }
  for (const p of providers) {
    if (p.kinds.some((k) => createMode(k) === 'guided')) {
      // A connection of that provider (if any) links the key and is what verifies the pasted value.
      const via = connections.find((c) => c.provider === p.id);
      out.push({ id: `guided:${p.id}`, mode: 'guided', provider: p.id, connectionId: via?.id ?? null, label: `${p.display_name} — in its dashboard${via ? ` (checked through ${via.name})` : ''}` });
    }
  }
  return out;
}

/** The purposes whose least-privilege kind can be made this way. */
export function purposesFor(provider: ProviderDto | undefined, mode: 'api' | 'guided'): PurposeDto[] {
  if (!provider) return [];
  return provider.purposes.filter((p) => {
    const kind = provider.kinds.find((k) => k.id === p.minimal_kind);
    return createMode(kind) === mode;
  });
}

/** Kinds that can be made this way (for a purpose-less create). */
export function kindsFor(provider: ProviderDto | undefined, mode: 'api' | 'guided'): KindDto[] {
  return provider?.kinds.filter((k) => createMode(k) === mode) ?? [];
}

/** Parses "a:read, b:write c:read" into distinct scope names, in order. */
export function parseScopes(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean))];
}

/** Scopes granted beyond the purpose's proposal: the widening the wizard flags and the audit records. */
export function widenedScopes(proposed: readonly string[], chosen: readonly string[]): string[] {
  const base = new Set(proposed);
  return chosen.filter((s) => !base.has(s));
}

export interface CreateForm {
  sourceId: string;
  kind: string;
  name: string;
  environment: string;
  purpose: string;
  /** Extra scopes typed by the user (the widening). */
  extraScopes: string;
}

export function validateCreate(form: CreateForm, mode: 'api' | 'guided', secret: string): Partial<Record<keyof CreateForm | 'secret', string>> {
  const errors: Partial<Record<keyof CreateForm | 'secret', string>> = {};
  if (!form.sourceId) errors.sourceId = 'Pick where the key is made.';
  if (!form.kind) errors.kind = 'Pick a purpose or a kind of key.';
  if (!form.name.trim()) errors.name = 'Give the key a name.';
  else if (form.name.trim().length > 200) errors.name = 'At most 200 characters.';
  if (!form.environment.trim()) errors.environment = 'Pick an environment.';
  if (mode === 'guided' && !secret.trim()) errors.secret = 'Paste the new key from the dashboard.';
  return errors;
}

// ---------------------------------------------------------------------------------------------
// Rotation steps

export const ROTATION_STEPS: readonly RotationStep[] = ['planned', 'created', 'verified', 'promoted', 'old_revoked', 'done'];

export const STEP_LABELS: Record<RotationStep, string> = {
  planned: 'Planned',
  created: 'New key created',
  verified: 'New key verified',
  promoted: 'New key in use',
  old_revoked: 'Old key revoked',
  done: 'Done',
};

export const STATE_LABELS: Record<RotationState, string> = {
  ...STEP_LABELS,
  failed: 'Stopped',
  rolled_back: 'Rolled back',
};

export const FLAVOUR_LABELS: Record<RotationFlavour, string> = {
  native_roll: 'Roll at the provider',
  create_revoke: 'Create new, revoke old after a grace period',
  guided: 'Guided: in the provider’s dashboard',
};

export const FLAVOUR_NOTES: Record<RotationFlavour, string> = {
  native_roll: 'The provider replaces the value; the old one stops working at once. Keyward stores the new value before anything else.',
  create_revoke: 'Both keys work during the grace period, so you can deploy the new one first.',
  guided: 'You make the new key in the dashboard and paste it; Keyward verifies it, then checks the old one is dead after you revoke it.',
};

export type StepMark = 'done' | 'current' | 'todo' | 'failed';

/** How each step of a rotation shows: ticked, in progress, still to come, or where it stopped. */
export function stepMarks(rotation: Pick<RotationDto, 'state' | 'last_step'> | null, running = true): Record<RotationStep, StepMark> {
  const marks = Object.fromEntries(ROTATION_STEPS.map((s) => [s, 'todo'])) as Record<RotationStep, StepMark>;
  if (!rotation) return marks;
  const stopped = rotation.state === 'failed' || rotation.state === 'rolled_back';
  const reached = stopped ? rotation.last_step : (rotation.state as RotationStep);
  const at = ROTATION_STEPS.indexOf(reached);
  ROTATION_STEPS.forEach((step, i) => {
    if (i <= at) marks[step] = 'done';
    else if (i === at + 1) marks[step] = stopped ? 'failed' : running ? 'current' : 'todo';
  });
  return marks;
}

export function isFinished(state: RotationState): boolean {
  return state === 'done' || state === 'failed' || state === 'rolled_back';
}

/** Still needs the user or the clock: a guided step or a scheduled revocation. */
export function isPending(rotation: RotationDto): boolean {
  return !isFinished(rotation.state);
}

/** "Old key revokes in 23 h" / "Old key revocation is due" / null when nothing is scheduled. */
export function revokeCountdown(rotation: Pick<RotationDto, 'state' | 'revoke_after'>, now: number): string | null {
  if (rotation.state !== 'promoted') return null;
  const t = parseTime(rotation.revoke_after);
  if (Number.isNaN(t)) return null;
  const left = t - now;
  if (left < 60_000) return 'Old key revocation is due';
  return `Old key revokes in ${formatDuration(left)}`;
}

/** Grace choices of the rotate wizard, in seconds. */
/** `GRACE_DEFAULT`: each key gets its environment's grace period (Settings). */
export const GRACE_DEFAULT = -1;

export const GRACE_CHOICES: readonly { secs: number; label: string }[] = [
  { secs: GRACE_DEFAULT, label: 'Each environment’s default (Settings)' },
  { secs: 0, label: 'None — revoke at once' },
  { secs: 3600, label: '1 hour' },
  { secs: 86_400, label: '24 hours' },
  { secs: 7 * 86_400, label: '7 days' },
];

export function graceText(secs: number): string {
  return secs <= 0 ? 'no grace period' : `grace ${formatDuration(secs * 1000)}`;
}

/** The plan's one-line summary: "3 keys: 2 roll at the provider, 1 guided; 1 cannot be rotated". */
export function planSummary(plans: readonly RotationPlanDto[]): string {
  const by: Record<RotationFlavour, number> = { native_roll: 0, create_revoke: 0, guided: 0 };
  let blocked = 0;
  for (const p of plans) {
    if (p.blocked) blocked++;
    else by[p.flavour]++;
  }
  const parts = [
    by.native_roll ? `${by.native_roll} rolled at the provider` : '',
    by.create_revoke ? `${by.create_revoke} created new + old revoked` : '',
    by.guided ? `${by.guided} guided` : '',
  ].filter(Boolean);
  const head = `${plural(plans.length, 'key')}${parts.length ? `: ${parts.join(', ')}` : ''}`;
  return blocked ? `${head}; ${blocked} cannot be rotated` : head;
}

// ---------------------------------------------------------------------------------------------
// A rotate run (single or bulk) as a reducer

export type KeyRunPhase = 'queued' | 'running' | 'waiting' | 'done' | 'failed' | 'skipped';

export interface KeyRun {
  keyId: string;
  name: string;
  environment: string;
  provider: string;
  flavour: RotationFlavour | null;
  phase: KeyRunPhase;
  rotation: RotationDto | null;
  error: string | null;
  revealToken: string | null;
}

export interface RotateRun {
  phase: 'running' | 'done' | 'failed';
  order: string[];
  keys: Record<string, KeyRun>;
  error: string | null;
}

export type RotateEvent =
  | { type: 'start'; plans: readonly RotationPlanDto[] }
  | { type: 'step'; event: RotationEventDto }
  | { type: 'finish'; outcomes: readonly RotationOutcomeDto[] }
  | { type: 'fail'; message: string }
  | { type: 'rotation'; rotation: RotationDto };

function isStopped(state: RotationState): boolean {
  return state === 'failed' || state === 'rolled_back';
}

/** What the user waits on in a guided rotation at this step. */
export function waitingFor(flavour: RotationFlavour, state: RotationState): RotationDto['waiting_for'] {
  if (flavour !== 'guided') return null;
  return state === 'planned' ? 'paste' : state === 'promoted' ? 'revoke_old' : null;
}

function phaseOf(rotation: RotationDto): KeyRunPhase {
  if (rotation.state === 'done') return 'done';
  if (isStopped(rotation.state)) return 'failed';
  if (rotation.waiting_for) return 'waiting';
  // A promoted create + revoke rotation waits for its grace period: this run's part is done.
  if (rotation.state === 'promoted' && rotation.flavour === 'create_revoke') return 'done';
  return 'running';
}

/** The journal row as far as the streamed events tell it (the outcome brings the full row). */
function fromEvent(prev: RotationDto | null, e: RotationEventDto, environment: string): RotationDto {
  const now = new Date().toISOString();
  const base: RotationDto = prev ?? {
    id: e.rotation_id,
    key_id: e.key_id,
    key_name: e.key_name,
    provider: '',
    environment,
    flavour: e.flavour,
    state: 'planned',
    last_step: 'planned',
    grace_secs: 0,
    started_at: now,
    updated_at: now,
    revoke_after: null,
    waiting_for: null,
    error_code: null,
    error: null,
    note: null,
  };
  const state = e.step;
  return {
    ...base,
    id: e.rotation_id,
    flavour: e.flavour,
    state,
    last_step: isStopped(state) ? base.last_step : (state as RotationStep),
    updated_at: now,
    waiting_for: waitingFor(e.flavour, state),
    error: e.kind === 'stopped' || isStopped(state) ? e.message : base.error,
  };
}

export function reduceRotate(run: RotateRun | null, event: RotateEvent): RotateRun | null {
  switch (event.type) {
    case 'start': {
      const keys: Record<string, KeyRun> = {};
      for (const p of event.plans) {
        keys[p.key_id] = {
          keyId: p.key_id,
          name: p.key_name,
          environment: p.environment,
          provider: p.provider,
          flavour: p.flavour,
          phase: p.blocked ? 'skipped' : 'queued',
          rotation: null,
          error: p.blocked,
          revealToken: null,
        };
      }
      return { phase: 'running', order: event.plans.map((p) => p.key_id), keys, error: null };
    }
    case 'step': {
      if (!run) return run;
      const e = event.event;
      const prev = run.keys[e.key_id];
      if (!prev) return run;
      const rotation = { ...fromEvent(prev.rotation, e, prev.environment), provider: prev.provider };
      const phase: KeyRunPhase = e.kind === 'stopped' ? 'failed' : e.kind === 'finished' ? phaseOf(rotation) : isStopped(e.step) ? 'failed' : e.step === 'done' ? 'done' : 'running';
      const next: KeyRun = { ...prev, rotation, flavour: e.flavour, phase, error: phase === 'failed' ? e.message || 'Stopped.' : null };
      return { ...run, keys: { ...run.keys, [e.key_id]: next } };
    }
    case 'rotation': {
      if (!run) return run;
      const rotation = event.rotation;
      const prev = run.keys[rotation.key_id];
      if (!prev) return run;
      const phase = phaseOf(rotation);
      const next: KeyRun = { ...prev, rotation, flavour: rotation.flavour, phase, error: phase === 'failed' ? (rotation.error ?? 'Stopped.') : null };
      return { ...run, keys: { ...run.keys, [rotation.key_id]: next } };
    }
    case 'finish': {
      if (!run) return run;
      const keys = { ...run.keys };
      for (const o of event.outcomes) {
        const prev = keys[o.key_id];
        if (!prev) continue;
        const rotation = o.rotation ?? prev.rotation;
        const failed = o.error_code !== null;
        keys[o.key_id] = {
          ...prev,
          rotation,
          flavour: rotation?.flavour ?? prev.flavour,
          phase: failed ? 'failed' : rotation ? phaseOf(rotation) : prev.phase,
          error: failed ? `${errorMessage({ code: o.error_code, message: '' })}${o.message ? ` (${o.message})` : ''}` : null,
          revealToken: o.reveal_token,
        };
      }
      return { ...run, phase: 'done', keys };
    }
    case 'fail':
      if (!run) return run;
      return { ...run, phase: 'failed', error: event.message };
  }
}

export interface RunCounts {
  total: number;
  finished: number;
  done: number;
  failed: number;
  waiting: number;
  skipped: number;
}

export function runCounts(run: RotateRun | null): RunCounts {
  const c: RunCounts = { total: 0, finished: 0, done: 0, failed: 0, waiting: 0, skipped: 0 };
  if (!run) return c;
  for (const id of run.order) {
    const k = run.keys[id];
    c.total++;
    if (k.phase === 'done') c.done++;
    else if (k.phase === 'failed') c.failed++;
    else if (k.phase === 'waiting') c.waiting++;
    else if (k.phase === 'skipped') c.skipped++;
    if (k.phase !== 'queued' && k.phase !== 'running') c.finished++;
  }
  return c;
}

export const PHASE_LABELS: Record<KeyRunPhase, string> = {
  queued: 'queued',
  running: 'rotating',
  waiting: 'needs you',
  done: 'done',
  failed: 'failed',
  skipped: 'skipped',
};

export const PHASE_TONES: Record<KeyRunPhase, string> = {
  queued: '',
  running: '',
  waiting: 'warn',
  done: 'ok',
  failed: 'bad',
  skipped: '',
};

// ---------------------------------------------------------------------------------------------
// Revoke

export type RevokeMode = 'api' | 'guided' | 'none';

/** API only when the kind has a revoke call and the key is linked to a connection that can make it; else guided. */
export function revokeMode(kind: KindDto | undefined, key?: Pick<KeyDto, 'connection_id'>): RevokeMode {
  const mode = kind?.operations?.revoke ?? 'manual';
  if (mode === 'api') return key && key.connection_id === null ? 'guided' : 'api';
  return mode === 'manual' ? 'guided' : 'none';
}

/** The named confirmation: the typed name must match exactly (surrounding spaces aside). */
export function confirmMatches(key: Pick<KeyDto, 'name'>, typed: string): boolean {
  return typed.trim() === key.name.trim() && typed.trim() !== '';
}

// ---------------------------------------------------------------------------------------------
// Recovery at start-up

const RECOVERY_WORDS: Record<string, string> = {
  resumed: 'finished the rotation',
  rolled_back: 'rolled back (the old key stays current)',
  adopted: 'kept the new key',
  rolled_again: 'rolled again after a lost answer',
  flagged: 'needs your attention',
  revoked_orphan: 'revoked an unused new key',
  stopped: 'stopped (resumable)',
  old_key_revoked: 'revoked the old key (grace period over)',
};

/** One line per recovered rotation, for the start-up notice. */
export function recoveryLines(items: readonly Pick<RecoveryDto, 'key_name' | 'action' | 'detail'>[]): string[] {
  return items.map((r) => `“${r.key_name}”: ${RECOVERY_WORDS[r.action] ?? r.action}${r.detail ? ` — ${r.detail}` : ''}`);
}

/** The rotation in the journal that is current for a key: the newest unfinished one. */
export function activeRotation(rotations: readonly RotationDto[], keyId: string): RotationDto | null {
  let best: RotationDto | null = null;
  for (const r of rotations) {
    if (r.key_id !== keyId || isFinished(r.state)) continue;
    if (!best || r.started_at > best.started_at) best = r;
  }
  return best;
}
