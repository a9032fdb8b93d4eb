export declare function verifyWebhook(rawBody: string, signatureHeader: string, secret: string): boolean;
