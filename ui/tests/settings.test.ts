import { describe, expect, it } from 'vitest';
import { addEnvironment, environmentNames, moveEnvironment, parseTimeout, removeEnvironment, settingsPatch } from '../src/lib/settings';
import type { SettingsDto } from '../src/lib/types';

const settings: SettingsDto = {
  clipboard_timeout_secs: 30,
  environments: [
    { name: 'prod', position: 2 },
    { name: 'dev', position: 0 },
    { name: 'staging', position: 1 },
  ],
  data_dir: '/data',
};

describe('environments', () => {
  it('lists names by position', () => {
    expect(environmentNames(settings)).toEqual(['dev', 'staging', 'prod']);
    expect(environmentNames(null)).toEqual([]);
  });

  it('adds a trimmed, new, non-empty name', () => {
    expect(addEnvironment(['dev'], ' qa ')).toEqual({ ok: true, list: ['dev', 'qa'] });
    expect(addEnvironment(['dev'], '  ')).toMatchObject({ ok: false });
    expect(addEnvironment(['dev'], 'DEV')).toMatchObject({ ok: false });
    expect(addEnvironment(['dev'], 'x'.repeat(65))).toMatchObject({ ok: false });
  });

  it('removes and moves without mutating', () => {
    const list = ['dev', 'staging', 'prod'];
    expect(removeEnvironment(list, 1)).toEqual(['dev', 'prod']);
    expect(moveEnvironment(list, 2, -1)).toEqual(['dev', 'prod', 'staging']);
    expect(moveEnvironment(list, 0, 1)).toEqual(['staging', 'dev', 'prod']);
    expect(moveEnvironment(list, 0, -1)).toEqual(list);
    expect(moveEnvironment(list, 2, 1)).toEqual(list);
    expect(list).toEqual(['dev', 'staging', 'prod']);
  });
});

describe('clipboard timeout', () => {
  it('accepts whole seconds in range', () => {
    expect(parseTimeout(' 45 ')).toEqual({ ok: true, value: 45 });
    expect(parseTimeout('4')).toMatchObject({ ok: false });
    expect(parseTimeout('601')).toMatchObject({ ok: false });
    expect(parseTimeout('1.5')).toMatchObject({ ok: false });
    expect(parseTimeout('')).toMatchObject({ ok: false });
  });
});

describe('settingsPatch', () => {
  it('holds only what changed', () => {
    expect(settingsPatch(settings, 30, ['dev', 'staging', 'prod'])).toBeNull();
    expect(settingsPatch(settings, 20, ['dev', 'staging', 'prod'])).toEqual({ clipboard_timeout_secs: 20 });
    expect(settingsPatch(settings, 30, ['staging', 'dev', 'prod'])).toEqual({ environments: ['staging', 'dev', 'prod'] });
    expect(settingsPatch(settings, 30, ['dev', 'staging'])).toEqual({ environments: ['dev', 'staging'] });
  });
});
