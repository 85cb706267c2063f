// What the first paint does not show (issue 14): dialogs, wizards, the detail panel and the
// Team view are chunks of their own, fetched the first time they open. Once the list is
// painted they are preloaded while the window is idle, so opening one stays instant.
// (The window's CSP, script-src 'self', allows the chunks: they come from the same origin.)

/**
 * A view's loader: one import, kept (an `{#await}` of a loaded view resolves at once),
 * marked `keyward:view-loaded:NAME` when loaded; forgotten if it failed, to retry.
 */
function view<T>(name: string, load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | null = null;
  return () =>
    (loaded ??= load().then(
      (module) => {
        performance.mark?.(`keyward:view-loaded:${name}`);
        return module;
      },
      (error: unknown) => {
        loaded = null;
        throw error;
      },
    ));
}

export const views = {
  about: view('about', () => import('../components/AboutDialog.svelte')),
  add: view('add', () => import('../components/AddKeyDialog.svelte')),
  detail: view('detail', () => import('../components/KeyDetail.svelte')),
  import: view('import', () => import('../components/ImportDialog.svelte')),
  providers: view('providers', () => import('../components/ProvidersDialog.svelte')),
  review: view('review', () => import('../components/ReviewDialog.svelte')),
  settings: view('settings', () => import('../components/SettingsDialog.svelte')),
  shortcuts: view('shortcuts', () => import('../components/ShortcutsDialog.svelte')),
  sync: view('sync', () => import('../components/SyncDialog.svelte')),
  team: view('team', () => import('../components/TeamView.svelte')),
  verify: view('verify', () => import('../components/VerifyAllDialog.svelte')),
  createWizard: view('createWizard', () => import('../components/CreateWizard.svelte')),
  revokeWizard: view('revokeWizard', () => import('../components/RevokeWizard.svelte')),
  rotateWizard: view('rotateWizard', () => import('../components/RotateWizard.svelte')),
  rotations: view('rotations', () => import('../components/RotationsJournal.svelte')),
} as const;

/** Gap between two preloads: each chunk's parse is its own short task, not one long one. */
const PRELOAD_GAP_MS = 0;

/**
 * Fetches and evaluates every on-demand chunk, one per task, after the first paint. A failure
 * is ignored here: the view's own import retries when it opens and shows its error there.
 */
export function preloadViews(): Promise<void> {
  const loaders = Object.values(views);
  return new Promise((resolve) => {
    const next = (i: number) => {
      if (i >= loaders.length) return resolve();
      void loaders[i]()
        .catch(() => undefined)
        .then(() => setTimeout(() => next(i + 1), PRELOAD_GAP_MS));
    };
    idle(() => next(0));
  });
}

/** Runs `run` when the window is idle (WebKitGTK may lack requestIdleCallback: then a task). */
function idle(run: () => void): void {
  if (typeof requestIdleCallback === 'function') requestIdleCallback(() => run(), { timeout: 500 });
  else setTimeout(run, 0);
}
