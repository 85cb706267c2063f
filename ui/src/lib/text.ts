// Text that must break only where it makes sense.

/**
 * An env var name in pieces that may be wrapped between: each piece ends with its `_`
 * (`OPENAI_API_KEY` → `OPENAI_`, `API_`, `KEY`), so a narrow panel wraps it at the
 * underscores, never mid-word.
 */
export function underscoreBreaks(name: string): string[] {
  return name.match(/[^_]*_+|[^_]+$/g) ?? [name];
}
