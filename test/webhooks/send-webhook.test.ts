// The sender's SSRF defences against a real socket: a host NAME that resolves
// to a private address is refused by the sender's own lookup (the address
// checked is the address connected to), and redirects are never followed.
import assert from 'node:assert/strict';
import { lookup } from 'node:dns/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { after, before, describe, it } from 'node:test';
import { isPrivateAddress } from '../../src/platform/net/public-address.ts';
import { signedHeaders } from '../../src/webhooks/core/signing.ts';
import { sendWebhook } from '../../src/webhooks/send-webhook.ts';

describe('sending a webhook', () => {
  let hits = 0;
  let port = 0;
  const server = http.createServer((request, response) => {
    hits += 1;
    if (request.url === '/moved') response.writeHead(302, { location: `http://127.0.0.1:${port}/target` }).end();
    else response.writeHead(200).end();
  });
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const headers = signedHeaders('01890000-0000-7000-8000-000000000000', new Date(), '{}', [Buffer.alloc(32, 1)]);

  it('refuses a host name that resolves to a private address, before connecting', async (t) => {
    const name = os.hostname();
    const addresses = await lookup(name, { all: true }).catch(() => []);
    if (addresses.length === 0 || !addresses.every((entry) => isPrivateAddress(entry.address))) return t.skip(`${name} does not resolve to private addresses here`);
    hits = 0;
    // https would fail the TLS handshake anyway; the lookup refuses first. With http allowed (the flag) the same name connects.
    const refused = await sendWebhook(`https://${name}:${port}/hook`, headers, '{}', { timeoutMs: 2_000, allowPrivate: false });
    assert.equal(refused.kind, 'error');
    assert.match(refused.kind === 'error' ? refused.message : '', /private or loopback/);
    assert.equal(hits, 0);
    const allowed = await sendWebhook(`http://${name}:${port}/hook`, headers, '{}', { timeoutMs: 2_000, allowPrivate: true });
    assert.deepEqual(allowed.kind === 'response' ? allowed.status : allowed, 200);
  });

  it('does not follow redirects', async () => {
    hits = 0;
    const result = await sendWebhook(`http://127.0.0.1:${port}/moved`, headers, '{}', { timeoutMs: 2_000, allowPrivate: true });
    assert.equal(result.kind === 'response' ? result.status : result, 302);
    assert.equal(hits, 1);
  });
});
