// The answers the first paint needs, when the backend sent them with the document (issue 14:
// src-tauri/src/first_load.rs): read once, before the first render, so that the first paint
// already has the rows and the list is laid out once; without them the page asks over IPC.
import type { FirstLoadDto } from './types';

/** The data block's `id`: `BLOCK_ID` in src-tauri/src/first_load.rs. */
export const FIRST_LOAD_ID = 'keyward-first-load';

/**
 * Takes the answers out of the document (the block is removed: they are only true at start-up,
 * and the page does not keep a second copy of the rows in its DOM); `null` if there are none
 * or they cannot be read.
 */
export function takeFirstLoad(doc: Document | undefined = typeof document === 'undefined' ? undefined : document): FirstLoadDto | null {
  const block = doc?.getElementById(FIRST_LOAD_ID);
  if (!block) return null;
  block.remove();
  try {
    const data: unknown = JSON.parse(block.textContent ?? '');
    return isFirstLoad(data) ? data : null;
  } catch {
    return null;
  }
}

/**
 * Sets the page's UI font to the desktop's family the backend read (what `system-ui` resolves
 * to in WebKitGTK, which then sets up GTK's settings in the web process: ~26 ms of the first
 * style pass); app.css keeps `system-ui` where none was sent.
 */
export function applyUiFont(family: string | null | undefined, root: HTMLElement | undefined = typeof document === 'undefined' ? undefined : document.documentElement): void {
  const families = (family ?? '')
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f !== '');
  if (!root || families.length === 0) return;
  root.style.setProperty('--font-ui', [...families.map(cssString), 'sans-serif'].join(', '));
}

/** A CSS string token: a family name is always quoted, so no name can be read as a keyword. */
function cssString(text: string): string {
  return `"${text.replace(/[\\"]/g, '\\$&').replace(/[\n\r\f]/g, ' ')}"`;
}

function isFirstLoad(data: unknown): data is FirstLoadDto {
  if (typeof data !== 'object' || data === null) return false;
  const { page, providers, settings } = data as Record<string, unknown>;
  return (
    typeof page === 'object' && page !== null && Array.isArray((page as { keys?: unknown }).keys) && typeof (page as { total?: unknown }).total === 'number' &&
    Array.isArray(providers) &&
    typeof settings === 'object' && settings !== null
  );
}
