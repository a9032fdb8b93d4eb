import { z } from 'zod';
import { PasswordSchema } from './passwords.ts';

export const EmailSchema = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email())
  .transform((e) => e.toLowerCase());

const token = z.string().trim().min(1).max(200);

export const SignUpInput = z.strictObject({
  email: EmailSchema,
  password: PasswordSchema,
  name: z.string().trim().min(1).max(100),
  organisationName: z.string().trim().min(1).max(100),
});

export const LogInInput = z.strictObject({
  email: z
    .string()
    .trim()
    .min(1)
    .max(254)
    .transform((e) => e.toLowerCase()),
  password: z.string().min(1).max(256),
  organisationId: z.string().max(64).nullish(),
});

export const VerifyEmailInput = z.strictObject({ token });
export const RequestPasswordResetInput = z.strictObject({
  email: z
    .string()
    .trim()
    .min(1)
    .max(254)
    .transform((e) => e.toLowerCase()),
});
export const ResetPasswordInput = z.strictObject({ token, password: PasswordSchema });
export const ChangePasswordInput = z.strictObject({ currentPassword: z.string().min(1).max(256), newPassword: PasswordSchema });
export const RevokeSessionInput = z.strictObject({ id: z.string().trim().min(1).max(64) });
export const SwitchOrganisationInput = z.strictObject({ organisationId: z.string().trim().min(1).max(64) });
