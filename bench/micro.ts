// In-process costs that the HTTP figures include, timed one call after
// another with nothing else running: token verification, the API key's HMAC
// and the password hash behind signup.
import { createHmac, createPublicKey, verify } from 'node:crypto';
import { hashPassword, TokenSigner } from '../src/auth/index.ts';
import type { Config } from '../src/config.ts';
import type { Organisation } from './setup.ts';

export interface MicroCosts {
  /** TokenSigner.verifyMember: jose's jwtVerify through WebCrypto. */
  jwtVerifyMicros: number;
  /** The Ed25519 signature check alone, through node:crypto.verify. */
  nodeVerifyMicros: number;
  hmacMicros: number;
  passwordHashMs: number;
}

async function perCall(iterations: number, call: () => unknown): Promise<number> {
  const started = process.hrtime.bigint();
  for (let index = 0; index < iterations; index += 1) {
    // Only asynchronous calls are awaited, so synchronous ones pay no microtask.
    const result = call();
    if (result instanceof Promise) await result;
  }
  return Number(process.hrtime.bigint() - started) / iterations;
}

export async function measureMicroCosts(config: Config, organisation: Organisation, apiKey: string): Promise<MicroCosts> {
  const privateKeyPem = config.jwtPrivateKeyPem ?? '';
  const signer = await TokenSigner.create({
    privateKeyPem,
    issuer: config.jwtIssuer,
    audience: config.jwtAudience,
    ttlSeconds: config.accessTokenTtlSeconds,
  });
  const token = await signer.signMember({ sub: organisation.userId, tenant_id: organisation.tenantId, role: 'gestor' });
  const verifyMember = async () => {
    if (!(await signer.verifyMember(token)).ok) throw new Error('the benchmark token did not verify');
  };
  await perCall(300, verifyMember);
  const jwtVerifyMicros = (await perCall(3000, verifyMember)) / 1e3;

  // Without jose's parsing and claim checks or WebCrypto's thread-pool hop.
  const [header = '', payload = '', signature = ''] = token.split('.');
  const publicKey = createPublicKey(privateKeyPem);
  const signed = Buffer.from(`${header}.${payload}`);
  const signatureBytes = Buffer.from(signature, 'base64url');
  const nodeVerifyMicros =
    (await perCall(3000, () => {
      if (!verify(null, signed, publicKey, signatureBytes)) throw new Error('the benchmark token signature did not verify');
    })) / 1e3;

  const secret = config.apiKeySecret ?? '';
  const hmacMicros = (await perCall(3000, () => createHmac('sha256', secret).update(apiKey).digest())) / 1e3;
  const passwordHashMs = (await perCall(10, () => hashPassword('correct horse battery staple'))) / 1e6;
  return { jwtVerifyMicros, nodeVerifyMicros, hmacMicros, passwordHashMs };
}
