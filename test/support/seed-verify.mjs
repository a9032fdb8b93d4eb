// The seed page's "Verifying Signatures" snippet, verbatim: receivers must be able to use it unchanged.
import crypto from "crypto";

function verifyWebhook(rawBody, signatureHeader, secret) {
  // signatureHeader is "sha256=<hex>"
  const expected = "sha256=" + crypto
    .createHmac("sha256", secret)
    .update(rawBody)           // use the raw request body string
    .digest("hex");

  return crypto.timingSafeEqual(
    Buffer.from(expected),
    Buffer.from(signatureHeader)
  );
}

export { verifyWebhook };
