import { describe, expect, it } from 'vitest';
import { AppError, ERROR_MESSAGES, errorField, errorMessage, isErrorCode, isKeychainCode, missingScope, toAppError } from '../src/lib/errors';
import { ERROR_CODES } from '../src/lib/types';

describe('toAppError', () => {
  it('keeps the code and message of a backend error', () => {
    const e = toAppError({ code: 'duplicate', message: 'name taken' });
    expect(e).toBeInstanceOf(AppError);
    expect(e).toBeInstanceOf(Error);
    expect(e.code).toBe('duplicate');
    expect(e.message).toBe('name taken');
  });

  it('maps every contract code to itself', () => {
    for (const code of ERROR_CODES) expect(toAppError({ code, message: '' }).code).toBe(code);
  });

  it('turns an unknown code into internal, keeping the raw code', () => {
    const e = toAppError({ code: 'teapot', message: 'short and stout' });
    expect(e.code).toBe('internal');
    expect(e.rawCode).toBe('teapot');
  });

  it('turns Tauri string rejections, Errors and junk into internal', () => {
    expect(toAppError('command key_show not found')).toMatchObject({ code: 'internal', message: 'command key_show not found' });
    expect(toAppError(new TypeError('boom'))).toMatchObject({ code: 'internal', message: 'boom' });
    expect(toAppError(undefined).code).toBe('internal');
    expect(toAppError({ code: 42 }).code).toBe('internal');
  });

  it('passes an AppError through unchanged', () => {
    const e = new AppError('storage', 'disk full');
    expect(toAppError(e)).toBe(e);
  });

  it('knows the keychain codes', () => {
    expect(isKeychainCode('keychain_locked')).toBe(true);
    expect(isKeychainCode('keychain_denied')).toBe(true);
    expect(isKeychainCode('keychain_unavailable')).toBe(true);
    expect(isKeychainCode('storage')).toBe(false);
    expect(new AppError('keychain_locked', '').isKeychain).toBe(true);
    expect(isErrorCode('nope')).toBe(false);
  });
});

describe('errorMessage', () => {
  it('has plain words for every code', () => {
    for (const code of ERROR_CODES) {
      expect(ERROR_MESSAGES[code], code).toMatch(/\w{3,}/);
      expect(errorMessage(new AppError(code, ''))).toBe(ERROR_MESSAGES[code]);
    }
  });

  it('chooses the words from the code, not the message text', () => {
    expect(errorMessage({ code: 'keychain_locked', message: 'duplicate key' })).toBe(ERROR_MESSAGES.keychain_locked);
  });

  it('adds backend detail only for codes where it helps', () => {
    expect(errorMessage({ code: 'invalid_input', message: 'name must not be empty' })).toBe(`${ERROR_MESSAGES.invalid_input} (name must not be empty)`);
    expect(errorMessage({ code: 'duplicate', message: 'whatever' })).toBe(ERROR_MESSAGES.duplicate);
  });

  it('names the missing scope of provider_missing_scope', () => {
    const e = new AppError('provider_missing_scope', "the key lacks the scope 'project:read' for this call (403)");
    expect(missingScope(e)).toBe('project:read');
    expect(errorMessage(e)).toBe('The key lacks the permission “project:read” that this call needs. Add it to the key at the provider, then try again.');
    // Without a quoted scope the backend's words are kept as the detail.
    expect(errorMessage({ code: 'provider_missing_scope', message: 'forbidden' })).toBe(`${ERROR_MESSAGES.provider_missing_scope} (forbidden)`);
    expect(missingScope(new AppError('provider_forbidden', "the scope 'x'"))).toBeNull();
  });

  it('has the plain words the connection view relies on', () => {
    expect(ERROR_MESSAGES.insecure_url).toBe(
      'Keyward talks to providers over https only; plain http is allowed for this computer (127.0.0.1/localhost) only.',
    );
    expect(ERROR_MESSAGES.manual_only).toBe('This provider has no API for that; do it in its dashboard.');
    expect(errorMessage({ code: 'manual_only', message: 'this key is tracked without its value' })).toBe(
      `${ERROR_MESSAGES.manual_only} (this key is tracked without its value)`,
    );
  });

  it('never echoes the backend message of malformed_key (its subject is the value)', () => {
    expect(errorMessage({ code: 'malformed_key', message: 'phx_SECRET does not match' })).not.toContain('SECRET');
  });
});

describe('errorField', () => {
  it('puts add-form errors next to the right field', () => {
    expect(errorField('malformed_key', 'add')).toBe('secret');
    expect(errorField('duplicate', 'add')).toBe('name');
    expect(errorField('unknown_provider', 'add')).toBe('provider');
    expect(errorField('keychain_locked', 'add')).toBe('general');
    expect(errorField('storage', 'add')).toBe('general');
  });

  it('maps edit, import and settings errors', () => {
    expect(errorField('duplicate', 'edit')).toBe('name');
    expect(errorField('invalid_input', 'edit')).toBe('general');
    expect(errorField('not_found', 'import')).toBe('path');
    expect(errorField('unknown_provider', 'import')).toBe('provider');
    expect(errorField('import_invalid', 'import')).toBe('general');
    expect(errorField('invalid_input', 'settings')).toBe('general');
  });

  it('puts connection errors next to the base URL, the admin key or the name', () => {
    expect(errorField('invalid_url', 'connection')).toBe('base_url');
    expect(errorField('insecure_url', 'connection')).toBe('base_url');
    expect(errorField('provider_unavailable', 'connection')).toBe('base_url');
    expect(errorField('provider_not_found', 'connection')).toBe('base_url');
    expect(errorField('provider_unauthorized', 'connection')).toBe('admin_secret');
    expect(errorField('provider_missing_scope', 'connection')).toBe('admin_secret');
    expect(errorField('malformed_key', 'connection')).toBe('admin_secret');
    expect(errorField('duplicate', 'connection')).toBe('name');
    expect(errorField('unknown_provider', 'connection')).toBe('provider');
    expect(errorField('keychain_locked', 'connection')).toBe('general');
    expect(errorField('provider_rate_limited', 'connection')).toBe('general');
  });
});
