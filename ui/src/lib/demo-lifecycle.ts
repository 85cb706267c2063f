// The browser demo's create / rotate / revoke (part of the demo backend: never in a production
// build). Rotations step through the journal on timers; a key whose name contains "fail" stops
// at the provider, to show a bulk run where one key fails and the others go on. It keeps no
// key values: "Show once" answers a made-up string marked as a demo value.

import type { CommandName, Commands } from './api';
import { AppError } from './errors';
import type { ConnectionDto, KeyDto, OperationsDto, ProviderDto, RecoveryDto, RotationDto, RotationEventDto, RotationFlavour, RotationOutcomeDto, RotationPlanDto, RotationStep } from './types';

/** Which demo kinds have a management API (the rest are guided). */
const API_KINDS: Record<string, OperationsDto> = {
  'posthog/project_secret': { list: 'api', create: 'api', roll: 'api', revoke: 'api', verify: 'unsupported' },
  'cloudflare/user_token': { list: 'api', create: 'api', roll: 'api', revoke: 'api', verify: 'api' },
  'cloudflare/account_token': { list: 'api', create: 'api', roll: 'api', revoke: 'api', verify: 'api' },
  'sendgrid/api_key': { list: 'api', create: 'api', roll: 'unsupported', revoke: 'api', verify: 'api' },
};
const MANUAL: OperationsDto = { list: 'manual', create: 'manual', roll: 'manual', revoke: 'manual', verify: 'manual' };

export function withOperations(providers: ProviderDto[]): ProviderDto[] {
  for (const p of providers) for (const k of p.kinds) k.operations = API_KINDS[`${p.id}/${k.id}`] ?? MANUAL;
  return providers;
}

export interface DemoInventory {
  keys(): KeyDto[];
  put(key: KeyDto): void;
  find(id: string): KeyDto;
  newKey(fields: Partial<KeyDto> & Pick<KeyDto, 'provider' | 'kind' | 'name' | 'environment' | 'purpose'>): KeyDto;
  connections(): ConnectionDto[];
  providers: ProviderDto[];
  record(action: string, key: KeyDto | null, detail: string): void;
  requireKeychain(): void;
  duplicate(name: string, environment: string): boolean;
  params: URLSearchParams;
}

type Handlers = { [C in CommandName]?: (args: Commands[C]['args']) => Commands[C]['result'] | Promise<Commands[C]['result']> };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function lifecycleHandlers(inv: DemoInventory): Handlers {
  const rotations: RotationDto[] = [];
  const tokens = new Map<string, string>();
  let n = 0;

  const opsOf = (key: KeyDto) => inv.providers.find((p) => p.id === key.provider)?.kinds.find((k) => k.id === key.kind)?.operations ?? MANUAL;
  const dashboard = (key: KeyDto) => inv.providers.find((p) => p.id === key.provider)?.dashboard_url ?? null;
  const token = (keyId: string) => {
    const t = `demo-${++n}`;
    tokens.set(keyId, t);
    return t;
  };

  const flavourOf = (key: KeyDto, grace: number | null): RotationFlavour | null => {
    const ops = opsOf(key);
    const canCreateRevoke = ops.create === 'api' && ops.revoke === 'api';
    if (ops.roll === 'api' && !((grace ?? 0) > 0 && canCreateRevoke)) return 'native_roll';
    if (canCreateRevoke) return 'create_revoke';
    if (ops.roll === 'manual' || ops.create === 'manual') return 'guided';
    return null;
  };

  const plan = (key: KeyDto, grace: number | null): RotationPlanDto => {
    const flavour = key.status === 'revoked' ? null : flavourOf(key, grace);
    const busy = rotations.some((r) => r.key_id === key.id && !['done', 'failed', 'rolled_back'].includes(r.state));
    return {
      key_id: key.id,
      key_name: key.name,
      provider: key.provider,
      environment: key.environment,
      flavour: flavour ?? 'guided',
      grace_secs: flavour === 'create_revoke' ? (grace ?? 0) : 0,
      scopes: key.scopes,
      widened: [],
      dashboard_url: dashboard(key) ?? '',
      notes: flavour === 'native_roll' ? ['the provider rolls the value in place: the old value stops working at once'] : [],
      blocked: key.status === 'revoked' ? 'the key is already revoked' : busy ? 'an unfinished rotation exists' : flavour ? null : 'this kind has no way to rotate',
      value_unknown: false,
      value_loss: null,
      grace_is_default: grace === null,
    };
  };

  const update = (r: RotationDto, patch: Partial<RotationDto>): RotationDto => {
    Object.assign(r, patch, { updated_at: new Date().toISOString() });
    if (patch.state && !['failed', 'rolled_back'].includes(patch.state)) r.last_step = patch.state as RotationStep;
    return { ...r };
  };

  const event = (r: RotationDto, kind: RotationEventDto['kind'], message: string, done: number, total: number): RotationEventDto => ({
    rotation_id: r.id, key_id: r.key_id, key_name: r.key_name, flavour: r.flavour, step: r.state, kind, message, done, total,
  });

  const promote = (r: RotationDto) => {
    const key = inv.find(r.key_id);
    const t = new Date().toISOString();
    inv.put({ ...key, last_rotated_at: t, updated_at: t, masked_hint: `${key.masked_hint.split('…')[0]}…${String(1000 + ++n).slice(-4)}`, status: 'active' });
    inv.record('rotated', key, `${r.flavour} rotation`);
  };

  return {
    key_create: ({ input }) => {
      inv.requireKeychain();
      if (!input.name.trim()) throw new AppError('invalid_input', 'name must not be empty');
      if (inv.duplicate(input.name, input.environment)) throw new AppError('duplicate', 'name taken');
      if (input.guided && (input.secret ?? '').trim().length < 8) throw new AppError('provider_unauthorized', 'the provider refused the pasted key');
      const purpose = inv.providers.find((p) => p.id === input.provider)?.purposes.find((p) => p.id === input.purpose || p.label === input.purpose);
      const widened = input.scopes.filter((s) => !(purpose?.scopes ?? []).includes(s));
      const key = inv.newKey({ provider: input.provider, kind: input.kind, name: input.name, environment: input.environment, purpose: purpose?.label ?? input.purpose, scopes: input.scopes, connection_id: input.connection_id });
      inv.record('created', key, widened.length ? `created; widened beyond the purpose: ${widened.join(', ')}` : 'created');
      return { key, widened_scopes: widened, reveal_token: input.guided ? null : token(key.id) };
    },
    key_reveal: ({ id, token: t }) => {
      if (tokens.get(id) !== t) throw new AppError('reveal_expired', 'already shown');
      tokens.delete(id);
      inv.record('revealed', inv.find(id), 'shown once');
      return { value: `demo-only-not-a-real-key-${id.slice(-6)}` };
    },
    rotation_plan: ({ input }) => input.key_ids.map((id) => plan(inv.find(id), input.grace_secs)),
    key_rotate: async ({ input, onEvent }) => {
      inv.requireKeychain();
      const total = input.key_ids.length;
      let finished = 0;
      const run = async (id: string): Promise<RotationOutcomeDto> => {
        const key = inv.find(id);
        const p = plan(key, input.grace_secs);
        if (p.blocked) return { key_id: id, rotation: null, error_code: 'rotation_unsupported', message: p.blocked, reveal_token: null };
        const t = new Date().toISOString();
        const r: RotationDto = {
          id: `rot-${++n}`, key_id: id, key_name: key.name, provider: key.provider, environment: key.environment, flavour: p.flavour,
          state: 'planned', last_step: 'planned', grace_secs: p.grace_secs, started_at: t, updated_at: t, revoke_after: null,
          waiting_for: p.flavour === 'guided' ? 'paste' : null, error_code: null, error: null, note: null,
        };
        rotations.unshift(r);
        onEvent.onmessage(event(r, 'step', 'planned', finished, total));
        if (p.flavour === 'guided') {
          onEvent.onmessage(event(r, 'finished', 'waiting for the new key', ++finished, total));
          return { key_id: id, rotation: { ...r }, error_code: null, message: 'waiting for the new key', reveal_token: null };
        }
        const steps: RotationStep[] = p.flavour === 'native_roll' || p.grace_secs === 0 ? ['created', 'verified', 'promoted', 'old_revoked', 'done'] : ['created', 'verified', 'promoted'];
        for (const s of steps) {
          await sleep(250 + ((id.charCodeAt(id.length - 1) * 37) % 300));
          if (s === 'created' && /fail/i.test(key.name)) {
            const message = 'the provider answered 503 twice; nothing was created';
            update(r, { state: 'rolled_back', error_code: 'provider_unavailable', error: message });
            onEvent.onmessage(event(r, 'stopped', message, ++finished, total));
            return { key_id: id, rotation: { ...r }, error_code: 'provider_unavailable', message, reveal_token: null };
          }
          if (s === 'promoted') {
            promote(r);
            if (steps.length === 3) r.revoke_after = new Date(Date.now() + p.grace_secs * 1000).toISOString();
          }
          update(r, { state: s });
          onEvent.onmessage(event(r, 'step', s, finished, total));
        }
        onEvent.onmessage(event(r, 'finished', r.state, ++finished, total));
        return { key_id: id, rotation: { ...r }, error_code: null, message: r.state, reveal_token: token(id) };
      };
      // Bounded concurrency (3), like the backend.
      const outcomes: RotationOutcomeDto[] = [];
      const next = [...input.key_ids];
      await Promise.all(
        Array.from({ length: Math.min(3, next.length) }, async () => {
          for (let id = next.shift(); id !== undefined; id = next.shift()) outcomes.push(await run(id));
        }),
      );
      return outcomes;
    },
    rotation_guided_submit: ({ rotationId, secret }) => {
      const r = rotations.find((x) => x.id === rotationId);
      if (!r) throw new AppError('not_found', rotationId);
      if (secret.trim().length < 8) throw new AppError('new_key_invalid', 'the provider refused the pasted key');
      promote(r);
      return update(r, { state: 'promoted', waiting_for: 'revoke_old' });
    },
    rotation_guided_confirm: ({ rotationId }) => {
      const r = rotations.find((x) => x.id === rotationId);
      if (!r) throw new AppError('not_found', rotationId);
      return update(r, { state: 'done', waiting_for: null });
    },
    rotation_list: () => rotations.map((r) => ({ ...r })),
    rotation_recover: () => {
      if (!inv.params.has('recover')) return [];
      const key = inv.keys()[0];
      if (!key) return [];
      const out: RecoveryDto[] = [{ rotation_id: `rot-${++n}`, key_id: key.id, key_name: key.name, action: 'resumed', step: 'done', detail: 'the new key was stored and verified; promoted it' }];
      return out;
    },
    key_revoke: ({ id, confirmName }) => {
      const key = inv.find(id);
      if (confirmName.trim() !== key.name.trim()) throw new AppError('confirm_mismatch', 'name does not match');
      const t = new Date().toISOString();
      const next: KeyDto = { ...key, status: 'revoked', fingerprint: null, updated_at: t };
      inv.put(next);
      inv.record('revoked', next, 'revoked; the provider answers 401');
      return { key: { ...next }, confirmed_dead: true, message: 'revoked, confirmed dead (401)' };
    },
  };
}
