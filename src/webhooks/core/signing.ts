// Standard Webhooks signing (https://www.standardwebhooks.com): the signed
// content is `${webhook-id}.${webhook-timestamp}.${body}`, HMAC-SHA256 with
// the endpoint's key, sent as `v1,<base64>`. While a secret is being rotated
// both keys sign, space-separated, so a receiver holding either verifies.
// Uses the standardwebhooks package (pure crypto, no I/O).
import { Webhook } from 'standardwebhooks';

const PREFIX = 'whsec_';

/** The key as shown to the gestor and taken by Standard Webhooks libraries. */
export function secretText(key: Uint8Array): string {
  return `${PREFIX}${Buffer.from(key).toString('base64')}`;
}

export interface SignedHeaders {
  readonly 'webhook-id': string;
  readonly 'webhook-timestamp': string;
  readonly 'webhook-signature': string;
}

/** The three headers for one attempt; `keys` in order (current first). */
export function signedHeaders(id: string, timestamp: Date, body: string, keys: readonly Uint8Array[]): SignedHeaders {
  const signature = keys.map((key) => new Webhook(key, { format: 'raw' }).sign(id, timestamp, body)).join(' ');
  return { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)), 'webhook-signature': signature };
}
