// What the first paint does not show (issue 14): dialogs, wizards, the detail panel and the
// Team view are chunks of their own, fetched the first time they open. Once the list is
// painted they are preloaded while the window is idle, so opening one stays instant.
// (The window's CSP, script-src 'self', allows the chunks: they come from the same origin.)

export const views = {
  about: () => import('../components/AboutDialog.svelte'),
  add: () => import('../components/AddKeyDialog.svelte'),
  detail: () => import('../components/KeyDetail.svelte'),
  import: () => import('../components/ImportDialog.svelte'),
  providers: () => import('../components/ProvidersDialog.svelte'),
  review: () => import('../components/ReviewDialog.svelte'),
  settings: () => import('../components/SettingsDialog.svelte'),
  shortcuts: () => import('../components/ShortcutsDialog.svelte'),
  sync: () => import('../components/SyncDialog.svelte'),
  team: () => import('../components/TeamView.svelte'),
  verify: () => import('../components/VerifyAllDialog.svelte'),
  createWizard: () => import('../components/CreateWizard.svelte'),
  revokeWizard: () => import('../components/RevokeWizard.svelte'),
  rotateWizard: () => import('../components/RotateWizard.svelte'),
  rotations: () => import('../components/RotationsJournal.svelte'),
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
