// The window's keyboard shortcuts: the list the `?` overlay shows, and which window-wide
// shortcut a key press means (the list's own keys live in nav.ts).

export interface Shortcut {
  /** Alternatives, each a combination pressed together: [["Ctrl", "K"]], [["↑"], ["↓"]]. */
  keys: string[][];
  what: string;
}

export interface ShortcutGroup {
  title: string;
  shortcuts: Shortcut[];
}

/** The overlay's content; `mod` is "Ctrl" (or "⌘" on a Mac). */
export function shortcutGroups(mod = 'Ctrl'): ShortcutGroup[] {
  return [
    {
      title: 'Finding keys',
      shortcuts: [
        { keys: [[mod, 'K']], what: 'Search (selects the search text)' },
        { keys: [['↓']], what: 'From the search field: into the list' },
        { keys: [['Esc']], what: 'In the search field: clear it; in the list: back to the search field' },
      ],
    },
    {
      title: 'In the list',
      shortcuts: [
        { keys: [['↑'], ['↓']], what: 'Select the previous / next row' },
        { keys: [['PgUp'], ['PgDn'], ['Home'], ['End']], what: 'Jump a page, to the first or last row' },
        { keys: [['←'], ['→']], what: 'Collapse / expand a group' },
        { keys: [['Enter']], what: 'Open the selected key (or fold its group)' },
        { keys: [[mod, 'C']], what: 'Copy the selected key’s value (the clipboard clears after the timeout)' },
        { keys: [['Esc']], what: 'Close the key’s details' },
      ],
    },
    {
      title: 'Anywhere',
      shortcuts: [
        { keys: [['F5'], [mod, 'R']], what: 'Reload the inventory (it also follows changes made elsewhere)' },
        { keys: [['?']], what: 'Show these shortcuts' },
        { keys: [['Esc']], what: 'Close a dialog or menu' },
      ],
    },
  ];
}

/** A window-wide shortcut. */
export type ShortcutAction = 'search' | 'copy' | 'help' | 'refresh';

export interface KeyPress {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey?: boolean;
}

export interface PressContext {
  /** The focus is in a field that takes text (input, textarea, select, contenteditable). */
  inField: boolean;
  /** Some text in the page is selected (the user copies that, not a key). */
  textSelected: boolean;
  /** A dialog is open (it owns the keyboard). */
  dialogOpen: boolean;
  /** A key is selected in the list or open in the detail panel. */
  keySelected: boolean;
}

/** Which window-wide shortcut `press` means here, or `null` (the press is left alone). */
export function shortcutFor(press: KeyPress, ctx: PressContext): ShortcutAction | null {
  const mod = (press.ctrlKey || press.metaKey) && !press.altKey;
  const key = press.key.length === 1 ? press.key.toLowerCase() : press.key;
  if (mod && key === 'k') return 'search';
  // F5 / Ctrl+R reload the inventory, never the page (a page reload would drop open dialogs).
  if (press.key === 'F5' || (mod && !press.shiftKey && key === 'r')) return 'refresh';
  if (ctx.dialogOpen) return null;
  // A field's own Ctrl+C (and typing "?") belong to the field; selected text is copied as text.
  if (mod && key === 'c') return !ctx.inField && !ctx.textSelected && ctx.keySelected ? 'copy' : null;
  if (press.key === '?' && !press.ctrlKey && !press.metaKey && !press.altKey && !ctx.inField) return 'help';
  return null;
}
