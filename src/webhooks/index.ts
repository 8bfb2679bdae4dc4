export { createWebhooksRouter, type WebhookDeps } from './router.js';
export { verifySignature, type SignatureScheme, type Verification } from './verify.js';
export { webhookIntent, type WebhookIntent } from './events.js';
export { readRawBody, MAX_WEBHOOK_BODY_BYTES, PayloadTooLargeError } from './rawBody.js';
