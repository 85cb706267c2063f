// The window's state: what the backend said, what the user is looking at, and the actions
// that talk to the backend. Views read it; derived values come from the pure modules.

import { tick } from 'svelte';
import { api } from './api';
import { AppError, errorMessage, toAppError } from './errors';
import { clipboardDeadline, groupDigits } from './format';
import { filterKeys, flatten, groupKeys, indexKeys, isFiltered, NO_FILTERS, toggled, toRow, type Filters } from './inventory';
import { followCursor } from './nav';
import { environmentNames } from './settings';
import { sortKeys, type ListSort } from './sort';
import type { PageTimings } from './api';
import { bootTimings } from './boot';
import { LIST_PAINTED_MARK, loadView } from './team';
import { TeamState } from './team.svelte';
import type { AcknowledgeInput, BulkAcknowledgeInput, BulkAcknowledgedDto, ConnectionDto, FirstLoadDto, KeyDetailDto, KeyDto, KeyRowDto, KeychainStatusDto, PolicyDto, ProviderDto, SettingsDto, VerifyProgressDto } from './types';
import { reduceVerify, summarize, summaryText, verifiableCount, type VerifyEvent, type VerifyRun } from './verify';

/**
 * Rows the first paint asks for (issue 14): more than a tall window shows, so the list is
 * full at once; the rest of the inventory follows right after the first paint.
 */
export const FIRST_PAGE = 100;
/** How often "Verify all" applies the progress messages that arrived meanwhile. */
const PROGRESS_BATCH_MS = 50;
/** Changes made outside the window within this time are shown by one reload (issue 16). */
const LIVE_RELOAD_MS = 150;

export type DialogName = 'add' | 'import' | 'settings' | 'providers' | 'sync' | 'verify' | 'about' | 'review' | null;

export interface Notice {
  id: number;
  tone: 'info' | 'error';
  text: string;
}

export interface CopyToast {
  keyName: string;
  /** Local time (ms) when the clipboard clears. */
  deadline: number;
}

/** ms since navigation start (0 where there is no performance clock). */
function now(): number {
  return typeof performance === 'undefined' ? 0 : performance.now();
}

function fulfilled<T>(value: T): PromiseFulfilledResult<T> {
  return { status: 'fulfilled', value };
}

/**
 * Resolves after Svelte has applied pending state to the DOM and the browser has painted it:
 * a rAF callback runs just before the frame's paint, a task queued from it runs after.
 */
async function afterPaint(): Promise<void> {
  await tick();
  if (typeof requestAnimationFrame !== 'function') return;
  await new Promise<void>((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

export class AppStore {
  /** The list's rows (issue 14: compact; the detail panel and the wizards fetch the full key). */
  keys = $state.raw<KeyRowDto[]>([]);
  /** Keys the backend holds beyond `keys` while only the first page has arrived (start-up). */
  keysPending = $state(0);
  /** How many keys the inventory holds. */
  keyCount = $derived(this.keys.length + this.keysPending);
  providers = $state.raw<ProviderDto[]>([]);
  settings = $state.raw<SettingsDto | null>(null);
  keychain = $state.raw<KeychainStatusDto | null>(null);
  loaded = $state(false);
  loadError = $state<string | null>(null);

  filters = $state<Filters>({ ...NO_FILTERS });
  /** The order of keys within each group (issue 16: by name, or by the date they fall due). */
  sort = $state<ListSort>('name');
  collapsed = $state.raw<Set<string>>(new Set());
  /** The list item under the keyboard cursor (a header or a key row). */
  cursorId = $state<string | null>(null);
  /** The key whose detail panel is open. */
  detailId = $state<string | null>(null);
  detail = $state.raw<KeyDetailDto | null>(null);
  detailError = $state<string | null>(null);

  dialog = $state<DialogName>(null);
  /** The connection the sync dialog imports from. */
  syncConnection = $state<string | null>(null);
  connections = $state.raw<ConnectionDto[]>([]);
  /** The latest "Verify all" run (kept after it ends, until the next one starts). */
  verifyRun = $state.raw<VerifyRun | null>(null);
  notices = $state<Notice[]>([]);
  copyToast = $state<CopyToast | null>(null);
  /** Findings policy (issue 6); `null` until loaded or when the backend has none. */
  policy = $state.raw<PolicyDto | null>(null);
  /** Set by a finding's "Edit" fix: the detail panel opens its edit form. */
  editRequest = $state<string | null>(null);
  /** Wall clock, ticking every 30 s, for ages. */
  now = $state(Date.now());
  /** A refresh (the button, F5, or a change made outside the window) is running. */
  refreshing = $state(false);
  /** "Mine | Team" (issue 15): the local inventory or every member's keys. */
  view = $state<'mine' | 'team'>(loadView());
  /** The team's membership and pulled keys (issue 15). */
  readonly team = new TeamState();

  providerNames = $derived(new Map(this.providers.map((p) => [p.id, p.display_name])));
  index = $derived(indexKeys(this.keys, this.providerNames));
  environmentOrder = $derived(environmentNames(this.settings));
  filtered = $derived(sortKeys(filterKeys(this.index, this.filters), this.sort, this.policy));
  groups = $derived(groupKeys(this.filtered, this.environmentOrder));
  items = $derived(flatten(this.groups, this.collapsed));
  filtering = $derived(isFiltered(this.filters));
  /** Adding and importing need a working keychain; an unknown state does not block. */
  keychainOk = $derived(this.keychain === null || this.keychain.state === 'ok');
  /** Every environment name known: configured ones first, then those only keys use. */
  allEnvironments = $derived([...new Set([...this.environmentOrder, ...this.keys.map((k) => k.environment)])]);
  /** The open key, whole, as `key_show` answered it (never a list row: no field is missing). */
  detailKey = $derived(this.detailId !== null && this.detail?.key.id === this.detailId ? this.detail.key : null);
  verifying = $derived(this.verifyRun?.phase === 'running');

  /**
   * Resolves once the first rows are painted, or the first load failed: start-up work the
   * first paint does not need waits for it (perf-firstpaint).
   */
  readonly firstPaint: Promise<void>;
  private firstPainted: () => void = () => undefined;

  constructor() {
    this.firstPaint = new Promise((resolve) => (this.firstPainted = resolve));
  }

  private noticeId = 0;
  private detailTicket = 0;
  private readySent = false;
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;
  private refreshAgain = false;

  /**
   * Start-up (issue 14): the first page of rows, painted at once; then the keychain's status
   * (the backend probes it only now) and the whole inventory, which replaces the page.
   * `sent`: the first page, the providers and the settings the backend put in the window's
   * first document (firstload.ts); without them (a reload, Retry) they are asked over IPC.
   */
  async load(sent: FirstLoadDto | null = null): Promise<void> {
    this.loadError = null;
    const scriptAt = now();
    // Sent with the document, the answers are here before the first render: no await, so the
    // first paint already has the rows (src-tauri/src/first_load.rs).
    const [page, providers, settings] = sent
      ? ([fulfilled(sent.page), fulfilled(sent.providers), fulfilled(sent.settings)] as const)
      : await Promise.allSettled([api.keysPage(0, FIRST_PAGE), api.providersList(), api.settingsGet()]);
    const pageAt = now();
    if (providers.status === 'fulfilled') this.providers = providers.value;
    if (settings.status === 'fulfilled') this.settings = settings.value;
    if (page.status === 'fulfilled') {
      this.keys = page.value.keys;
      this.keysPending = Math.max(0, page.value.total - page.value.keys.length);
    }
    const failed = [page, providers, settings].find((r) => r.status === 'rejected');
    if (failed && failed.status === 'rejected') this.loadError = errorMessage(failed.reason);
    this.loaded = true;
    if (page.status === 'fulfilled') {
      const { keys, total } = page.value;
      // The keychain is asked only after the first paint: its probe may be slow (issue 14).
      await this.signalReady((paintedAt) => ({ script_ms: scriptAt, page_ms: pageAt - scriptAt, render_ms: paintedAt - pageAt, rows: keys.length, total, with_document: sent !== null, ...bootTimings() }));
    }
    this.firstPainted();
    await this.refreshKeychain();
    if (page.status === 'fulfilled' && this.keysPending > 0) await this.reloadKeys();
    // Connections only name a key's connection here; the Providers view reloads them itself.
    void this.loadConnections().catch(() => undefined);
  }

  /**
   * Follows the inventory: the backend reports each change another process (`keyward add`,
   * `import` in a terminal) commits, and the window reloads. Its own writes are not reported:
   * the commands that make them already return what changed.
   */
  watch(): void {
    try {
      void api.inventoryWatch(() => this.refreshSoon()).catch((error) => this.react(toAppError(error)));
    } catch (error) {
      // No channel to the backend (a test page): Refresh still works.
      this.react(toAppError(error));
    }
  }

  /** One reload for every change reported within LIVE_RELOAD_MS. */
  refreshSoon(): void {
    if (this.refreshTimer !== null) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = null;
      void this.refresh();
    }, LIVE_RELOAD_MS);
  }

  /**
   * Reloads what the window shows (Refresh, F5, Ctrl+R, or a change made elsewhere), keeping
   * filters, the cursor, the list's scroll position and an open detail (reloaded too, or
   * closed if its key is gone). A refresh asked for while one runs runs once more after it.
   */
  async refresh(): Promise<void> {
    if (this.refreshing) {
      this.refreshAgain = true;
      return;
    }
    this.refreshing = true;
    try {
      const [keys, providers, settings] = await Promise.allSettled([api.keysAll(), api.providersList(), api.settingsGet()]);
      if (providers.status === 'fulfilled') this.providers = providers.value;
      if (settings.status === 'fulfilled') this.settings = settings.value;
      if (keys.status === 'fulfilled') {
        this.keys = keys.value;
        this.keysPending = 0;
        this.loadError = null;
      } else {
        this.fail(keys.reason);
      }
      if (this.detailId !== null) {
        if (this.keys.some((k) => k.id === this.detailId)) void this.reloadDetail(this.detailId);
        else this.closeDetail();
      }
      await this.refreshKeychain();
      void this.loadConnections().catch(() => undefined);
    } finally {
      this.refreshing = false;
    }
    if (this.refreshAgain) {
      this.refreshAgain = false;
      await this.refresh();
    }
  }

  /** Reloads the connections; rejects with the `AppError` (callers show it where it belongs). */
  async loadConnections(): Promise<ConnectionDto[]> {
    try {
      this.connections = await api.connectionsList();
      return this.connections;
    } catch (error) {
      const e = toAppError(error);
      this.react(e);
      throw e;
    }
  }

  /**
   * "Verify all": streams per-key outcomes into `verifyRun`, then reloads the list. A second
   * call while one runs does nothing. Resolves when the run ends.
   *
   * Messages are applied in batches (every PROGRESS_BATCH_MS): one per key can be thousands a
   * second, and the window only needs to repaint the bar and the list a few dozen times.
   */
  async verifyAll(): Promise<void> {
    if (this.verifying) return;
    const step = (event: VerifyEvent) => (this.verifyRun = reduceVerify(this.verifyRun, event));
    let pending: VerifyProgressDto[] = [];
    let timer: ReturnType<typeof setTimeout> | null = null;
    const flush = () => {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      let run = this.verifyRun;
      for (const progress of pending) run = reduceVerify(run, { type: 'progress', progress });
      pending = [];
      this.verifyRun = run;
    };
    step({ type: 'start', expected: verifiableCount(this.keys) });
    try {
      const results = await api.keysVerifyAll((progress) => {
        pending.push(progress);
        timer ??= setTimeout(flush, PROGRESS_BATCH_MS);
      });
      flush();
      step({ type: 'finish', results });
      // The dialog may have been closed meanwhile: say how it went.
      if (this.dialog !== 'verify') this.notify(`Verified ${results.length === 1 ? '1 key' : `${groupDigits(results.length)} keys`}: ${summaryText(summarize(results))}.`);
    } catch (error) {
      flush();
      const e = toAppError(error);
      this.react(e);
      step({ type: 'fail', message: errorMessage(e) });
      if (this.dialog !== 'verify') this.notify(`Verify all stopped: ${errorMessage(e)}`, 'error');
    }
    await this.reloadKeys();
    if (this.detailId !== null && this.keys.some((k) => k.id === this.detailId)) void this.openDetail(this.detailId);
  }

  /**
   * Once the first inventory is painted, tells the backend with the page's own timings
   * (start-up measurement); resolves after the paint. Failures ignored.
   */
  private async signalReady(timings: (paintedAt: number) => PageTimings): Promise<void> {
    if (this.readySent) return;
    this.readySent = true;
    await afterPaint();
    // For the Team view's benchmark (issue 15): when the list first painted, since navigation.
    performance.mark?.(LIST_PAINTED_MARK);
    void api.appReady(timings(now())).catch(() => undefined);
  }

  async reloadKeys(): Promise<void> {
    try {
      this.keys = await api.keysAll();
      this.keysPending = 0;
    } catch (error) {
      this.fail(error);
    }
  }

  async refreshKeychain(): Promise<void> {
    try {
      this.keychain = await api.keychainStatus();
    } catch (error) {
      const e = toAppError(error);
      this.keychain = { state: 'unavailable', message: errorMessage(e), fix: 'Restart Keyward; if this persists, check the log.', backend: '' };
    }
  }

  /** Reports an error as a notice and reacts to its code (keychain → re-check, gone → reload). */
  fail(error: unknown): AppError {
    const e = toAppError(error);
    this.react(e);
    this.notify(errorMessage(e), 'error');
    return e;
  }

  /** Side effects of an error code, without a notice (forms show their own message). */
  react(error: AppError): void {
    if (error.isKeychain) void this.refreshKeychain();
    if (error.code === 'not_found') {
      void this.reloadKeys();
      if (this.detailId !== null) this.closeDetail();
    }
  }

  notify(text: string, tone: Notice['tone'] = 'info'): void {
    const id = ++this.noticeId;
    this.notices = [...this.notices, { id, tone, text }].slice(-4);
    setTimeout(() => this.dismiss(id), tone === 'error' ? 8000 : 4000);
  }

  dismiss(id: number): void {
    this.notices = this.notices.filter((n) => n.id !== id);
  }

  setFilter<K extends keyof Filters>(field: K, value: Filters[K]): void {
    this.filters[field] = value;
  }

  /** Sorting by due date needs each environment's max age: the policy is loaded for it. */
  setSort(sort: ListSort): void {
    this.sort = sort;
    if (sort === 'due' && this.policy === null) void this.loadPolicy();
  }

  clearFilters(): void {
    this.filters = { ...NO_FILTERS };
  }

  toggleGroup(id: string, open?: boolean): void {
    this.collapsed = toggled(this.collapsed, id, open === undefined ? undefined : !open);
  }

  async openDetail(id: string): Promise<void> {
    this.detailId = id;
    this.cursorId = `key:${id}`;
    this.detailError = null;
    if (this.detail?.key.id !== id) this.detail = null;
    const ticket = ++this.detailTicket;
    try {
      const detail = await api.keyShow(id);
      if (ticket === this.detailTicket) this.detail = detail;
    } catch (error) {
      if (ticket !== this.detailTicket) return;
      const e = toAppError(error);
      this.react(e);
      this.detailError = errorMessage(e);
    }
  }

  /** The open detail again, from the backend, without moving the cursor or blanking the panel. */
  private async reloadDetail(id: string): Promise<void> {
    const ticket = ++this.detailTicket;
    try {
      const detail = await api.keyShow(id);
      if (ticket === this.detailTicket && this.detailId === id) this.detail = detail;
    } catch (error) {
      if (ticket === this.detailTicket) this.react(toAppError(error));
    }
  }

  closeDetail(): void {
    this.detailTicket++;
    this.detailId = null;
    this.detail = null;
    this.detailError = null;
  }

  /**
   * Puts a key (or an updated copy) into the list without a full reload, as a row; an open
   * detail of that key shows the new copy at once (its audit trail follows with the reload).
   */
  upsertKey(key: KeyDto): void {
    const row = toRow(key);
    const i = this.keys.findIndex((k) => k.id === key.id);
    this.keys = i < 0 ? [...this.keys, row] : this.keys.map((k) => (k.id === key.id ? row : k));
    if (this.detail?.key.id === key.id) this.detail = { ...this.detail, key };
  }

  async copy(id: string): Promise<void> {
    const key = this.keys.find((k) => k.id === id);
    try {
      const result = await api.keyCopy(id);
      this.copyToast = { keyName: key?.name ?? 'key', deadline: clipboardDeadline(result, Date.now()) };
      if (this.detailId === id) void this.openDetail(id);
    } catch (error) {
      this.fail(error);
    }
  }

  async remove(id: string): Promise<boolean> {
    const key = this.keys.find((k) => k.id === id);
    const cursorBefore = this.items.findIndex((item) => item.id === this.cursorId);
    try {
      await api.keyRemove(id);
      this.keys = this.keys.filter((k) => k.id !== id);
      // The cursor stays where the removed key was, on whatever took its place.
      const next = followCursor(this.items, this.cursorId, cursorBefore);
      this.cursorId = next >= 0 ? this.items[next].id : null;
      if (this.detailId === id) this.closeDetail();
      this.notify(`Removed “${key?.name ?? 'key'}”.`);
      return true;
    } catch (error) {
      this.fail(error);
      return false;
    }
  }

  setSettings(settings: SettingsDto): void {
    this.settings = settings;
  }

  // ---- findings (issue 6) ----

  /** Loads the findings policy; failures leave it `null` (Settings then says why). */
  async loadPolicy(): Promise<PolicyDto | null> {
    try {
      this.policy = await api.policyGet();
    } catch (error) {
      this.react(toAppError(error));
    }
    return this.policy;
  }

  /** Acknowledges a finding; rejects with the `AppError` (the form shows it). */
  async acknowledge(input: AcknowledgeInput): Promise<KeyDto> {
    try {
      const key = await api.findingAcknowledge(input);
      this.upsertKey(key);
      if (this.detailId === key.id) void this.openDetail(key.id);
      return key;
    } catch (error) {
      const e = toAppError(error);
      this.react(e);
      throw e;
    }
  }

  /**
   * Acknowledges one finding kind on every key of a provider and/or environment, then reloads
   * the list; rejects with the `AppError` (the form shows it).
   */
  async acknowledgeMany(input: BulkAcknowledgeInput): Promise<BulkAcknowledgedDto> {
    try {
      const done = await api.findingsAcknowledge(input);
      await this.reloadKeys();
      if (this.detailId) void this.openDetail(this.detailId);
      return done;
    } catch (error) {
      const e = toAppError(error);
      this.react(e);
      throw e;
    }
  }

  /** Asks the provider about one key (a finding's "Verify" fix); a failure is a notice. */
  async verifyKey(id: string): Promise<void> {
    try {
      const key = await api.keyVerify(id);
      this.upsertKey(key);
      if (this.detailId === id) void this.openDetail(id);
    } catch (error) {
      this.fail(error);
    }
  }

  /** Opens a key's detail with its edit form (a finding's "Edit" fix). */
  requestEdit(id: string): void {
    this.editRequest = id;
    if (this.detailId !== id) void this.openDetail(id);
  }
}
