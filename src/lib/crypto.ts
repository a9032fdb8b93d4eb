import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** URL-safe random string with `bytes` bytes of entropy. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** SHA-256 hex: for high-entropy secrets (API keys, session tokens) a fast digest is a safe lookup key. */
export function sha256Hex(value: string | Buffer): string {
  return createHash('sha256').update(value).digest('hex');
}

export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * AES-256-GCM with a key derived from SECRET_KEY, for secrets we must read back (webhook signing secrets).
 * Output: "v1." + base64url(iv | tag | ciphertext).
 */
export function encryptSecret(plaintext: string, secretKey: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', deriveKey(secretKey), iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return `v1.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
}

export function decryptSecret(ciphertext: string, secretKey: string): string {
  if (!ciphertext.startsWith('v1.')) throw new Error('Unknown secret encoding');
  const raw = Buffer.from(ciphertext.slice(3), 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', deriveKey(secretKey), raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
}

function deriveKey(secretKey: string): Buffer {
  return createHash('sha256').update(`eventogate:secret-encryption:${secretKey}`).digest();
}
