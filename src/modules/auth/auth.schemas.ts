import { z } from 'zod';

const email = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email())
  .transform((e) => e.toLowerCase());

export const SignUpInput = z.strictObject({
  email,
  password: z.string().min(10).max(256),
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
