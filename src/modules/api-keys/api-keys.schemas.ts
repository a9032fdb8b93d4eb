import { z } from 'zod';

export const CreateApiKeyInput = z.strictObject({
  name: z.string().trim().min(1).max(100),
  environment: z.enum(['LIVE', 'TEST']),
});

export const RevokeApiKeyInput = z.strictObject({
  id: z.string().min(1).max(64),
});
