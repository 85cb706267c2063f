// The Team view's state (issue 15): the membership, the pulled copy of every member's keys, the
// review over them, the filters; reloaded whenever the backend reports a team change (another
// member published, this window's changes were sent, the membership changed).

import { api } from './api';
import { toAppError } from './errors';
import { filterTeamRows, groupTeamRows, isTeamFiltered, NO_TEAM_FILTERS, teamErrorText, type TeamFilters } from './team';
import type { TeamEventDto, TeamKeysDto, TeamReviewDto, TeamStatusDto } from './types';

/** Team changes reported within this time are shown by one reload. */
const RELOAD_MS = 150;
/** Team events shown in the review's activity list. */
const EVENTS_SHOWN = 12;

export class TeamState {
  /** `null`: not in a team (or not known yet, see `loaded`). */
  status = $state.raw<TeamStatusDto | null>(null);
  keys = $state.raw<TeamKeysDto>({ as_of: null, rows: [] });
  review = $state.raw<TeamReviewDto | null>(null);
  /** The team's latest rotations, revocations, … (who, when, which key; never a value). */
  events = $state.raw<TeamEventDto[]>([]);
  loaded = $state(false);
  /** The last load's failure, in the window's words. */
  error = $state<string | null>(null);
  filters = $state<TeamFilters>({ ...NO_TEAM_FILTERS });
  /** Environment order of the inventory's settings, for grouping. */
  order = $state.raw<string[]>([]);

  filtered = $derived(filterTeamRows(this.keys.rows, this.filters));
  items = $derived(groupTeamRows(this.filtered, this.order));
  filtering = $derived(isTeamFiltered(this.filters));

  private timer: ReturnType<typeof setTimeout> | null = null;
  private loading: Promise<void> | null = null;
  private again = false;
  private watching = false;

  /** Loads the status, then (when joined) the rows and the review. A load asked for while one runs runs once more after it. */
  async load(): Promise<void> {
    if (this.loading) {
      this.again = true;
      return this.loading;
    }
    this.loading = this.loadOnce().finally(() => (this.loading = null));
    await this.loading;
    if (this.again) {
      this.again = false;
      await this.load();
    }
  }

  private async loadOnce(): Promise<void> {
    try {
      this.status = await api.teamStatus();
      performance.mark?.('keyward:team-status');
      // Only a member follows the team: a page outside one holds no extra Channel open.
      if (this.status && !this.watching) this.watch();
      if (this.status) {
        // The rows first, painted as soon as they are here (issue 15's first paint); then the
        // review, which reads the same copy, and the activity list (extra: shown without it).
        this.keys = await api.teamKeys();
        performance.mark?.('keyward:team-keys');
        this.loaded = true;
        const [review, events] = await Promise.all([api.teamReview(), api.teamEvents(EVENTS_SHOWN).catch(() => [])]);
        this.review = review;
        this.events = events;
      } else {
        this.keys = { as_of: null, rows: [] };
        this.review = null;
        this.events = [];
      }
      this.error = null;
    } catch (error) {
      const e = toAppError(error);
      this.error = teamErrorText(e.code, e.message);
    } finally {
      this.loaded = true;
    }
  }

  /** Follows the team (once per page): one reload for every change reported within RELOAD_MS. */
  watch(): void {
    if (this.watching) return;
    this.watching = true;
    try {
      void api
        .teamWatch(() => this.reloadSoon())
        .catch((error) => {
          const e = toAppError(error);
          this.error = teamErrorText(e.code, e.message);
        });
    } catch {
      // No channel to the backend (a test page): the view still loads on demand.
    }
  }

  reloadSoon(): void {
    if (this.timer !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.load();
    }, RELOAD_MS);
  }

  setFilter<K extends keyof TeamFilters>(key: K, value: TeamFilters[K]): void {
    this.filters = { ...this.filters, [key]: value };
  }

  clearFilters(): void {
    this.filters = { ...NO_TEAM_FILTERS };
  }
}
