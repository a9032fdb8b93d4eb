import { dictionary } from '@zxcvbn-ts/language-common';
import { describe, expect, it } from 'vitest';
import { COMMON_PASSWORDS } from '../../src/modules/auth/common-passwords.ts';
import { PasswordSchema } from '../../src/modules/auth/passwords.ts';

describe('the common passwords refused at sign-up', () => {
  it('are the head of zxcvbn-ts’s ranked list, lower-cased, in its order', () => {
    expect(COMMON_PASSWORDS).toEqual(dictionary['passwords-common'].slice(0, 1_000).map((p) => p.toLowerCase()));
  });

  it('refuses every listed one long enough to be asked about, in any case, and takes one just past the list', () => {
    const long = COMMON_PASSWORDS.filter((p) => p.length >= 10);
    expect(long).toContain('1234567890');
    for (const password of [...long, ...long.map((p) => p.toUpperCase())]) {
      expect(PasswordSchema.safeParse(password).error?.issues.map((i) => i.message)).toEqual([
        'The :attribute field is one of the most common passwords; choose another.',
      ]);
    }
    const past = dictionary['passwords-common'].slice(1_000).find((p) => p.length >= 10 && !COMMON_PASSWORDS.includes(p.toLowerCase()) && new Set(p).size > 1);
    expect(PasswordSchema.safeParse(past).success).toBe(true);
  });
});
