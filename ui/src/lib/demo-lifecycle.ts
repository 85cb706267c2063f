// The browser demo's create / rotate / revoke (part of the demo backend: never in a production
// build). Rotations step through the journal on timers; a key whose name contains "fail" stops
// at the provider, to show a bulk run where one key fails and the others go on. It keeps no
// key values: "Show once" answers a made-up string marked as a demo value.

import type { CommandName, Commands } from './api';
import { AppError } from './errors';
import type { ConnectionDto, KeyDto, OperationsDto, ProviderDto, RecoveryDto, RotationDto, RotationFlavour, RotationPlanDto, RotationStep } from './types';

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

  const flavourOf = (key: KeyDto, preferOverlap: boolean): RotationFlavour | null => {
    const ops = opsOf(key);
    if (ops.roll === 'api' && !(preferOverlap && ops.create === 'api')) return 'native_roll';
    if (ops.create === 'api' && ops.revoke === 'api') return 'create_revoke';
    if (ops.roll === 'manual' || ops.create === 'manual') return 'guided';
    return null;
  };

  const plan = (key: KeyDto, preferOverlap: boolean, grace: number | null): RotationPlanDto => {
    const flavour = key.status === 'revoked' ? null : flavourOf(key, preferOverlap);
    const busy = rotations.some((r) => r.key_id === key.id && !['done', 'failed', 'rolled_back'].includes(r.state));
    return {
      key_id: key.id,
      key_name: key.name,
      provider: key.provider,
      environment: key.environment,
      flavour,
      grace_secs: flavour === 'create_revoke' ? (grace ?? 86_400) : 0,
      dashboard_url: dashboard(key),
      blocked: key.status === 'revoked' ? 'Revoked keys cannot be rotated.' : busy ? 'A rotation of this key is unfinished.' : flavour ? null : 'This kind has no way to rotate.',
    };
  };

  const update = (r: RotationDto, patch: Partial<RotationDto>): RotationDto => {
    Object.assign(r, patch, { updated_at: new Date().toISOString() });
    if (patch.state && !['failed', 'rolled_back'].includes(patch.state)) r.last_step = patch.state as RotationStep;
    return { ...r };
  };

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
      if (input.connection_id === null && (input.secret ?? '').trim().length < 8) throw new AppError('provider_unauthorized', 'the provider refused the pasted key');
      const purpose = inv.providers.find((p) => p.id === input.provider)?.purposes.find((p) => p.label === input.purpose);
      const widened = input.scopes.filter((s) => !(purpose?.scopes ?? []).includes(s));
      const key = inv.newKey({ provider: input.provider, kind: input.kind, name: input.name, environment: input.environment, purpose: input.purpose, scopes: input.scopes, connection_id: input.connection_id });
      inv.record('created', key, widened.length ? `created; widened beyond the purpose: ${widened.join(', ')}` : 'created');
      return { key, widened_scopes: widened, reveal_token: input.connection_id ? token(key.id) : null };
    },
    key_reveal: ({ id, token: t }) => {
      if (tokens.get(id) !== t) throw new AppError('reveal_expired', 'already shown');
      tokens.delete(id);
      inv.record('revealed', inv.find(id), 'shown once');
      return { value: `demo-only-not-a-real-key-${id.slice(-6)}` };
    },
    rotation_plan: ({ input }) => input.key_ids.map((id) => plan(inv.find(id), input.prefer_overlap, input.grace_secs)),
    key_rotate: async ({ input, onEvent }) => {
      inv.requireKeychain();
      const run = async (id: string) => {
        const key = inv.find(id);
        const p = plan(key, input.prefer_overlap, input.grace_secs);
        if (!p.flavour || p.blocked) return { key_id: id, rotation: null, error_code: 'unsupported', error: p.blocked, reveal_token: null };
        const t = new Date().toISOString();
        const r: RotationDto = {
          id: `rot-${++n}`, key_id: id, key_name: key.name, provider: key.provider, environment: key.environment, flavour: p.flavour,
          state: 'planned', last_step: 'planned', grace_secs: p.grace_secs, started_at: t, updated_at: t, revoke_after: null,
          waiting_for: p.flavour === 'guided' ? 'paste' : null, error_code: null, error: null,
        };
        rotations.unshift(r);
        onEvent.onmessage({ key_id: id, rotation: { ...r } });
        if (p.flavour === 'guided') return { key_id: id, rotation: { ...r }, error_code: null, error: null, reveal_token: null };
        const steps: RotationStep[] = p.flavour === 'native_roll' || p.grace_secs === 0 ? ['created', 'verified', 'promoted', 'old_revoked', 'done'] : ['created', 'verified', 'promoted'];
        for (const s of steps) {
          await sleep(250 + ((id.charCodeAt(id.length - 1) * 37) % 300));
          if (s === 'created' && /fail/i.test(key.name)) {
            const failed = update(r, { state: 'failed', error_code: 'provider_unavailable', error: 'the provider answered 503 twice; nothing was created' });
            onEvent.onmessage({ key_id: id, rotation: failed });
            return { key_id: id, rotation: failed, error_code: 'provider_unavailable', error: 'the provider answered 503 twice; nothing was created' };
          }
          if (s === 'promoted') {
            promote(r);
            if (steps.length === 3) r.revoke_after = new Date(Date.now() + p.grace_secs * 1000).toISOString();
          }
          onEvent.onmessage({ key_id: id, rotation: update(r, { state: s }) });
        }
        return { key_id: id, rotation: { ...r }, error_code: null, error: null, reveal_token: token(id) };
      };
      // Bounded concurrency (3), like the backend.
      const outcomes: Awaited<ReturnType<typeof run>>[] = [];
      const next = [...input.key_ids];
      await Promise.all(
        Array.from({ length: Math.min(3, next.length) }, async () => {
          for (let id = next.shift(); id !== undefined; id = next.shift()) outcomes.push(await run(id));
        }),
      );
      return outcomes.map((o) => ({ key_id: o.key_id, rotation: o.rotation, error_code: o.error_code, error: o.error, reveal_token: o.reveal_token ?? null }));
    },
    rotation_guided_submit: ({ rotationId, secret }) => {
      const r = rotations.find((x) => x.id === rotationId);
      if (!r) throw new AppError('rotation_not_found', rotationId);
      if (secret.trim().length < 8) throw new AppError('provider_unauthorized', 'the provider refused the pasted key');
      promote(r);
      return update(r, { state: 'promoted', waiting_for: 'revoke_old' });
    },
    rotation_guided_confirm: ({ rotationId }) => {
      const r = rotations.find((x) => x.id === rotationId);
      if (!r) throw new AppError('rotation_not_found', rotationId);
      return update(r, { state: 'done', waiting_for: null });
    },
    rotation_list: () => rotations.map((r) => ({ ...r })),
    rotation_recover: () => {
      if (!inv.params.has('recover')) return [];
      const key = inv.keys()[0];
      if (!key) return [];
      const t = new Date().toISOString();
      const r: RotationDto = {
        id: `rot-${++n}`, key_id: key.id, key_name: key.name, provider: key.provider, environment: key.environment, flavour: 'create_revoke',
        state: 'done', last_step: 'done', grace_secs: 0, started_at: t, updated_at: t, revoke_after: null, waiting_for: null, error_code: null, error: null,
      };
      rotations.unshift(r);
      const out: RecoveryDto[] = [{ rotation: { ...r }, action: 'resumed', detail: 'the new key was stored and verified; promoted it' }];
      return out;
    },
    key_revoke: ({ id, confirmName }) => {
      const key = inv.find(id);
      if (confirmName.trim() !== key.name.trim()) throw new AppError('confirm_mismatch', 'name does not match');
      const t = new Date().toISOString();
      const next: KeyDto = { ...key, status: 'revoked', fingerprint: null, updated_at: t };
      inv.put(next);
      inv.record('revoked', next, 'revoked; the provider answers 401');
      return { key: { ...next }, confirmed_dead: true };
    },
  };
}
