import { defineErrors } from '../platform/http/errors.ts';

export const WebhookErrors = defineErrors({
  'webhook-url-not-allowed': {
    status: 422,
    title: 'Webhook URL not allowed',
    description:
      'The endpoint URL must be an absolute `https` URL without credentials whose host is, and resolves to, a public address: the server does not call loopback, private or link-local addresses (SSRF protection). Plain `http` and private addresses are accepted only when the server runs with `TESSERA_WEBHOOKS_ALLOW_PRIVATE=1` (development, tests). `errors[0].pointer` is `/url`.',
  },
});
