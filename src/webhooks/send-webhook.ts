// Sends one signed POST to a webhook endpoint, with the SSRF defences the
// issue asks for: the name is resolved by our own `lookup`, which refuses
// private, loopback and link-local addresses (unless allowed for development
// and tests), so the address checked is the address connected to (no second
// resolution an attacker's DNS could answer differently); the socket's peer
// is checked once more on connect; redirects are never followed (node:http
// does not follow them: a 3xx is just a failed attempt); a timeout bounds the
// whole exchange. Never throws: failures are AttemptResults.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { hostOf, isPrivateAddress } from '../platform/net/public-address.ts';
import type { AttemptResult } from './core/attempt-outcome.ts';
import type { SignedHeaders } from './core/signing.ts';

export interface SendOptions {
  readonly timeoutMs: number;
  /** TESSERA_WEBHOOKS_ALLOW_PRIVATE: private and loopback targets and plain http allowed. */
  readonly allowPrivate: boolean;
}

/** Why a URL may not be used as an endpoint, before any resolution (scheme, IP literal); null when it may. */
export function refusedUrl(text: string, allowPrivate: boolean): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'is not an absolute URL';
  }
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:')) return 'must use https';
  if (url.username !== '' || url.password !== '') return 'must not carry credentials';
  const host = hostOf(url);
  if (!allowPrivate && (host === 'localhost' || host.endsWith('.localhost') || (isIP(host) !== 0 && isPrivateAddress(host)))) {
    return 'points at a private or loopback address, which this server does not call';
  }
  return null;
}

const REFUSED = 'resolves to a private or loopback address, which this server does not call';

/** A lookup that only ever answers public addresses (all of them checked). */
function publicLookup(): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const allowed = addresses.filter((entry) => !isPrivateAddress(entry.address));
      if (allowed.length === 0 || allowed.length !== addresses.length) {
        return callback(Object.assign(new Error(REFUSED), { code: 'EADDRREFUSED' }), '', 0);
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, allowed);
      const first = allowed[0]!;
      return callback(null, first.address, first.family);
    });
  };
}

export function sendWebhook(urlText: string, headers: SignedHeaders, body: string, options: SendOptions): Promise<AttemptResult> {
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    const refused = refusedUrl(urlText, options.allowPrivate);
    if (refused !== null) return resolve({ kind: 'error', message: `URL ${refused}`, durationMs: 0 });
    const url = new URL(urlText);
    let settled = false;
    const finish = (result: AttemptResult): void => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    const client = url.protocol === 'https:' ? https : http;
    const request = client.request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'Tessera-Webhooks/1' },
        ...(options.allowPrivate ? {} : { lookup: publicLookup() }),
        // No connection reuse: every attempt resolves and checks the address again.
        agent: false,
        timeout: options.timeoutMs,
      },
      (response) => {
        // The body is not needed; drain it (bounded by the timeout) so the socket closes cleanly.
        response.resume();
        response.on('end', () => finish({ kind: 'response', status: response.statusCode ?? 0, durationMs: elapsed() }));
        response.on('error', () => finish({ kind: 'response', status: response.statusCode ?? 0, durationMs: elapsed() }));
      },
    );
    request.on('socket', (socket) => {
      socket.on('connect', () => {
        // The peer actually connected to: refused even if it slipped past the lookup (an IP literal, a proxy).
        const peer = socket.remoteAddress;
        if (!options.allowPrivate && (peer === undefined || isPrivateAddress(peer))) request.destroy(new Error(REFUSED));
      });
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
    request.on('error', (error) => finish({ kind: 'error', message: error.message.slice(0, 500), durationMs: elapsed() }));
    request.end(body);
  });
}
