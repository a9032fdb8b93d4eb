import { hash, verify } from '@node-rs/argon2';
import { z } from 'zod';
import { COMMON_PASSWORDS } from './common-passwords.ts';

/**
 * What a password must be: 10 to 256 characters, not one of the 1,000 most common passwords (the ranked list
 * zxcvbn-ts ships, compared case-insensitively; no network call), and not one character repeated. Stored as
 * argon2id with the library's defaults (19 MiB, t=2), the OWASP baseline.
 */
const COMMON = new Set(COMMON_PASSWORDS);

export const PasswordSchema = z
  .string()
  .min(10)
  .max(256)
  .superRefine((password, ctx) => {
    if (password.length < 10) return;
    if (COMMON.has(password.toLowerCase())) {
      ctx.addIssue({ code: 'custom', message: 'The :attribute field is one of the most common passwords; choose another.' });
    } else if (new Set(password).size === 1) {
      ctx.addIssue({ code: 'custom', message: 'The :attribute field must not be one character repeated.' });
    }
  });

export async function hashPassword(password: string): Promise<string> {
  return await hash(password);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  return await verify(passwordHash, password);
}

/** Verified against when the email is unknown, so a wrong email costs as long as a wrong password. */
export const DUMMY_PASSWORD_HASH = await hash('not a password anybody has: timing only');
