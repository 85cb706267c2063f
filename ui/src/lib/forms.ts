// Logic of the add, edit and import forms, kept out of the components so it can be tested.

import { groupDigits, parseTags } from './format';
import type {
  DetectionDto,
  ImportOptions,
  ImportPreviewDto,
  KeyDto,
  KeyPatch,
  KindDto,
  NewKeyInput,
  ProviderDto,
  PurposeDto,
} from './types';
import { PRIVILEGE_LABELS } from './format';

export function findProvider(providers: readonly ProviderDto[], id: string): ProviderDto | undefined {
  return providers.find((p) => p.id === id);
}

export function findKind(providers: readonly ProviderDto[], providerId: string, kindId: string): KindDto | undefined {
  return findProvider(providers, providerId)?.kinds.find((k) => k.id === kindId);
}

export function providerName(providers: readonly ProviderDto[], id: string): string {
  return findProvider(providers, id)?.display_name ?? id;
}

export function kindName(providers: readonly ProviderDto[], providerId: string, kindId: string): string {
  return findKind(providers, providerId, kindId)?.display_name ?? kindId;
}

/** The kinds a user may pick between after detection: the suggestion first, then alternatives. */
export function kindChoices(detection: DetectionDto): string[] {
  return [...new Set([detection.kind, ...detection.alternatives])].filter(Boolean);
}

/** The catalogue purpose whose label (or id) equals the typed text, case-insensitively. */
export function catalogPurpose(provider: ProviderDto | undefined, text: string): PurposeDto | undefined {
  const t = text.trim().toLowerCase();
  if (!provider || !t) return undefined;
  return provider.purposes.find((p) => p.label.toLowerCase() === t || p.id.toLowerCase() === t);
}

/**
 * A hint when the chosen kind is broader than the purpose needs, e.g. "“Send transactional
 * email” needs only a Server token (scoped)."; null otherwise.
 */
export function minimalKindHint(provider: ProviderDto | undefined, purposeText: string, kindId: string): string | null {
  const purpose = catalogPurpose(provider, purposeText);
  if (!provider || !purpose || !kindId || purpose.minimal_kind === kindId) return null;
  const minimal = provider.kinds.find((k) => k.id === purpose.minimal_kind);
  if (!minimal) return null;
  return `“${purpose.label}” needs only a ${minimal.display_name} (${PRIVILEGE_LABELS[minimal.privilege] ?? minimal.privilege}).`;
}

export interface AddForm {
  secret: string;
  provider: string;
  kind: string;
  name: string;
  environment: string;
  purpose: string;
  owner: string;
  tags: string;
  /** Keys that existed before Keyward: YYYY-MM-DD from date inputs, '' = not given. */
  created: string;
  rotated: string;
  /** The provider's region the key belongs to (`eu`), '' = not chosen. */
  region?: string;
}

export const EMPTY_ADD_FORM: AddForm = {
  secret: '',
  provider: '',
  kind: '',
  name: '',
  environment: '',
  purpose: '',
  owner: '',
  tags: '',
  created: '',
  rotated: '',
};

export type FieldErrors = Partial<Record<keyof AddForm | 'general', string>>;

export function validateAdd(form: AddForm): FieldErrors {
  const errors: FieldErrors = {};
  if (!form.secret.trim()) errors.secret = 'Paste the key’s value.';
  if (!form.provider) errors.provider = 'Choose the provider.';
  if (!form.kind) errors.kind = 'Choose the kind of key.';
  if (!form.name.trim()) errors.name = 'Give the key a name.';
  if (!form.environment.trim()) errors.environment = 'Choose or type an environment.';
  Object.assign(errors, checkKeyDates(form.created, form.rotated, Date.now()));
  return errors;
}

/** The `key_add` input for a valid form (the secret is passed through untouched). */
export function toNewKeyInput(form: AddForm, provider?: ProviderDto): NewKeyInput {
  const purpose = form.purpose.trim();
  return {
    secret: form.secret,
    provider: form.provider,
    kind: form.kind,
    name: form.name.trim(),
    environment: form.environment.trim(),
    // A catalogue purpose is stored under its label, so groups read the same for every key.
    purpose: catalogPurpose(provider, purpose)?.label ?? purpose,
    owner: form.owner.trim() || null,
    tags: parseTags(form.tags),
    scopes: [],
    env_var: null,
    // Only when given: absent means "now" to the backend.
    ...(form.created.trim() ? { created_at: dayToRfc3339(form.created) } : {}),
    ...(form.rotated.trim() ? { last_rotated_at: dayToRfc3339(form.rotated) } : {}),
    ...(form.region && provider?.regions?.some((r) => r.id === form.region) ? { region: form.region } : {}),
  };
}

// ---- when a key was created and last rotated (keys that existed before Keyward, issue 6) ----

/** A YYYY-MM-DD day as midnight UTC (RFC 3339), or `null` for an empty field. */
export function dayToRfc3339(day: string): string | null {
  const d = day.trim();
  return d ? `${d}T00:00:00Z` : null;
}

function parseDay(day: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day.trim());
  if (!m) return Number.NaN;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return new Date(t).getUTCDate() === Number(m[3]) ? t : Number.NaN;
}

/** Both dates optional; neither in the future; the last rotation not before creation. */
export function checkKeyDates(created: string, rotated: string, now: number): { created?: string; rotated?: string } {
  const errors: { created?: string; rotated?: string } = {};
  const c = created.trim() ? parseDay(created) : null;
  const r = rotated.trim() ? parseDay(rotated) : null;
  if (c !== null && Number.isNaN(c)) errors.created = 'Pick a date.';
  else if (c !== null && c > now) errors.created = 'A key cannot be created in the future.';
  if (r !== null && Number.isNaN(r)) errors.rotated = 'Pick a date.';
  else if (r !== null && r > now) errors.rotated = 'A rotation cannot be in the future.';
  else if (r !== null && c !== null && !Number.isNaN(c) && r < c) errors.rotated = 'The last rotation cannot be before the key was created.';
  return errors;
}

export interface EditForm {
  name: string;
  environment: string;
  purpose: string;
  owner: string;
  tags: string;
  env_var: string;
  /** Where the key is used ('' = not stated). */
  usage: string;
}

/** Where a key can be used; web, mobile and desktop ship the value to users' devices. */
export const KEY_USAGES: readonly { id: string; label: string }[] = [
  { id: 'server', label: 'Server (backend)' },
  { id: 'web', label: 'Web page (client-side)' },
  { id: 'mobile', label: 'Mobile app' },
  { id: 'desktop', label: 'Desktop app shipped to users' },
  { id: 'ci', label: 'CI pipelines and scripts' },
  { id: 'local', label: 'A developer’s machine' },
];

export function editFormOf(key: KeyDto): EditForm {
  return {
    name: key.name,
    environment: key.environment,
    purpose: key.purpose,
    owner: key.owner ?? '',
    tags: key.tags.join(', '),
    env_var: key.env_var,
    usage: key.usage ?? '',
  };
}

export function validateEdit(form: EditForm): Partial<Record<keyof EditForm | 'general', string>> {
  const errors: Partial<Record<keyof EditForm | 'general', string>> = {};
  if (!form.name.trim()) errors.name = 'A key needs a name.';
  if (!form.environment.trim()) errors.environment = 'A key needs an environment.';
  if (form.env_var.trim() && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(form.env_var.trim())) {
    errors.env_var = 'Letters, digits and _ only, not starting with a digit.';
  }
  return errors;
}

/** Only the fields that changed; `null` when nothing did. */
export function buildPatch(key: KeyDto, form: EditForm): KeyPatch | null {
  const patch: KeyPatch = {};
  const name = form.name.trim();
  const environment = form.environment.trim();
  const purpose = form.purpose.trim();
  const owner = form.owner.trim() || null;
  const tags = parseTags(form.tags);
  const envVar = form.env_var.trim();
  if (name !== key.name) patch.name = name;
  if (environment !== key.environment) patch.environment = environment;
  if (purpose !== key.purpose) patch.purpose = purpose;
  if (owner !== key.owner) patch.owner = owner;
  if (tags.length !== key.tags.length || tags.some((t, i) => t !== key.tags[i])) patch.tags = tags;
  if (envVar && envVar !== key.env_var) patch.env_var = envVar;
  const usage = form.usage || null;
  if (usage !== (key.usage ?? null)) patch.usage = usage;
  return Object.keys(patch).length ? patch : null;
}

export interface ImportForm {
  /** The handle of the file picked in the backend's dialog ('' until one is picked); never a path. */
  handle: string;
  /** Its file name, to show. */
  fileName: string;
  environment: string;
  provider: string;
  purpose: string;
}

export function importOptions(form: ImportForm): ImportOptions {
  return {
    environment: form.environment.trim() || null,
    provider: form.provider || null,
    purpose: form.purpose.trim() || null,
  };
}

/** A fingerprint of what a preview was made for; the preview is stale once it differs. */
export function importRequestKey(form: ImportForm): string {
  const o = importOptions(form);
  return JSON.stringify([form.handle, o.environment, o.provider, o.purpose]);
}

/** The lines the preview ticks at first: keys, not configuration (issue 16). */
export function suggestedLines(preview: ImportPreviewDto | null): Set<number> {
  return new Set(preview?.rows.filter((r) => r.suggested).map((r) => r.line) ?? []);
}

/**
 * Errors that stop the import: on a malformed line (no row to leave out) or on a chosen row.
 * A clash on a row left unticked (`DEBUG` already exists) does not matter.
 */
export function blockingImportErrors(preview: ImportPreviewDto, chosen?: ReadonlySet<number>): ImportPreviewDto['errors'] {
  const rowLines = new Set(preview.rows.map((r) => r.line));
  return preview.errors.filter((e) => !rowLines.has(e.line) || chosen === undefined || chosen.has(e.line));
}

/**
 * Import is all-or-nothing over the chosen rows (all rows when `chosen` is not given): at
 * least one, and no error that blocks them.
 */
export function canCommitImport(preview: ImportPreviewDto | null, stale: boolean, chosen?: ReadonlySet<number>): boolean {
  if (preview === null || stale) return false;
  const count = chosen === undefined ? preview.rows.length : preview.rows.filter((r) => chosen.has(r.line)).length;
  return count > 0 && blockingImportErrors(preview, chosen).length === 0;
}

export function importButtonLabel(preview: ImportPreviewDto | null, chosen?: ReadonlySet<number>): string {
  const rows = preview?.rows ?? [];
  const n = chosen === undefined ? rows.length : rows.filter((r) => chosen.has(r.line)).length;
  return n === 1 ? 'Import 1 key' : `Import ${groupDigits(n)} keys`;
}
