// Which create / rotate / revoke wizard is open, as module state, so any view (the key detail,
// the toolbar, the findings panel) can open one without holding the app store. `WizardHost`
// renders whatever is open here. Also the rotation journal the window shows on keys.

import { api } from './api';
import { toAppError } from './errors';
import type { RecoveryDto, RotationDto } from './types';

export interface CreatePrefill {
  provider?: string;
  connectionId?: string;
  environment?: string;
  purpose?: string;
  replacesKeyId?: string;
}

export type Wizard =
  | { kind: 'create'; prefill: CreatePrefill }
  | { kind: 'rotate'; keyIds: string[]; narrow: boolean }
  | { kind: 'revoke'; keyId: string }
  | { kind: 'rotations' };

class WizardState {
  /** The open wizard; null when none is. */
  current = $state.raw<Wizard | null>(null);
  /** The journal (newest first), refreshed after each rotation and when the journal view opens. */
  rotations = $state.raw<RotationDto[]>([]);
  /** What start-up recovery did, until the user dismisses it. */
  recovered = $state.raw<RecoveryDto[]>([]);
  /** Bumped when a wizard changed keys, so the window reloads its list. */
  changes = $state(0);
}

export const wizards = new WizardState();

/** Rotate one key or several (bulk); `narrow` asks for the purpose's least privilege on the new key. */
export function openRotateWizard(keyIds: string[], opts?: { narrow?: boolean }): void {
  const ids = [...new Set(keyIds)];
  if (ids.length === 0) return;
  wizards.current = { kind: 'rotate', keyIds: ids, narrow: opts?.narrow ?? false };
}

export function openRevokeWizard(keyId: string): void {
  wizards.current = { kind: 'revoke', keyId };
}

export function openCreateWizard(prefill?: CreatePrefill): void {
  wizards.current = { kind: 'create', prefill: { ...(prefill ?? {}) } };
}

export function openRotationsJournal(): void {
  wizards.current = { kind: 'rotations' };
}

export function closeWizard(): void {
  wizards.current = null;
}

/** The wizard changed the inventory: the window reloads its keys. */
export function markChanged(): void {
  wizards.changes++;
}

/** Reloads the journal; a failure keeps the last one (the caller may show the error). */
export async function refreshRotations(): Promise<RotationDto[]> {
  wizards.rotations = await api.rotationList();
  return wizards.rotations;
}

/**
 * Start-up: asks the core to resume or roll back unfinished rotations, and keeps what it did
 * for the notice. Never throws (an error becomes a `needs_attention`-style notice by the caller).
 */
export async function recoverAtStart(): Promise<{ recovered: RecoveryDto[]; error: string | null }> {
  try {
    const recovered = await api.rotationRecover();
    // A periodic run that found nothing keeps the notice of an earlier one.
    if (recovered.length) wizards.recovered = recovered;
    if (recovered.length) markChanged();
    void refreshRotations().catch(() => undefined);
    return { recovered, error: null };
  } catch (error) {
    return { recovered: [], error: toAppError(error).message || toAppError(error).code };
  }
}

export function dismissRecovery(): void {
  wizards.recovered = [];
}
