// Where a request came from, as the audit log and API key usage record it.
// With TESSERA_TRUST_PROXY the address comes from X-Forwarded-For, which the
// client controls: anything that is not an IP address falls back to the
// connection's peer, so a forged header can never reach an inet column.
import { isIP } from 'node:net';
import type { FastifyRequest } from 'fastify';
import type { RequestOrigin } from '../context.ts';

const UNSPECIFIED = '0.0.0.0';

export function clientIp(request: FastifyRequest): string {
  if (isIP(request.ip) !== 0) return request.ip;
  const peer = request.socket?.remoteAddress;
  return peer !== undefined && isIP(peer) !== 0 ? peer : UNSPECIFIED;
}

export function originOf(request: FastifyRequest): RequestOrigin & { readonly ip: string; readonly requestId: string } {
  return { requestId: request.id, ip: clientIp(request) };
}
