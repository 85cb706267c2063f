// PLACEHOLDER (issue 6 window branch): the create / rotate / revoke wizards belong to the
// issue 5 window work, which provides this module with exactly these signatures. The merge
// takes that version; this one only records the request so the findings panel can be built
// and tested against the same API.

export interface CreatePrefill {
  provider?: string;
  connectionId?: string;
  environment?: string;
  purpose?: string;
  replacesKeyId?: string;
}

export type WizardRequest =
  | { wizard: 'rotate'; keyIds: string[]; narrow: boolean }
  | { wizard: 'revoke'; keyId: string }
  | { wizard: 'create'; prefill: CreatePrefill };

/** The last request (placeholder only). */
export const wizardState = $state<{ last: WizardRequest | null }>({ last: null });

export function openRotateWizard(keyIds: string[], opts?: { narrow?: boolean }): void {
  wizardState.last = { wizard: 'rotate', keyIds: [...keyIds], narrow: opts?.narrow ?? false };
}

export function openRevokeWizard(keyId: string): void {
  wizardState.last = { wizard: 'revoke', keyId };
}

export function openCreateWizard(prefill?: CreatePrefill): void {
  wizardState.last = { wizard: 'create', prefill: { ...prefill } };
}
