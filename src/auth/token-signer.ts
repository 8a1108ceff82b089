// Access tokens: short-lived JWTs signed with Ed25519 (EdDSA) through jose.
// Verification pins the algorithm, issuer and audience. Member tokens and
// operator tokens have different audiences, so neither passes for the other.
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, jwtVerify, SignJWT, errors as joseErrors, type JWK } from 'jose';
import { loadOrCreateSecretFile } from '../platform/secrets.ts';

const ALGORITHM = 'EdDSA';

export interface MemberClaims {
  sub: string;
  tenant_id: string;
  role: 'gestor' | 'cliente';
}
export interface OperatorClaims {
  sub: string;
  role: 'admin';
}

export type VerifyResult<C> = { ok: true; claims: C & { jti: string } } | { ok: false; reason: 'expired' | 'invalid' };

export interface TokenSignerOptions {
  privateKeyPem: string;
  issuer: string;
  audience: string;
  ttlSeconds: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class TokenSigner {
  private constructor(
    private readonly privateKey: KeyObject,
    private readonly publicKey: KeyObject,
    private readonly keyId: string,
    private readonly options: TokenSignerOptions,
  ) {}

  static async create(options: TokenSignerOptions): Promise<TokenSigner> {
    const privateKey = createPrivateKey(options.privateKeyPem);
    if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error('TESSERA_JWT_PRIVATE_KEY must be an Ed25519 key');
    const publicKey = createPublicKey(privateKey);
    const publicJwk = publicKey.export({ format: 'jwk' }) as JWK;
    return new TokenSigner(privateKey, publicKey, await calculateJwkThumbprint(publicJwk), options);
  }

  get ttlSeconds(): number {
    return this.options.ttlSeconds;
  }

  private sign(claims: Record<string, unknown>, subject: string, audience: string): Promise<string> {
    return new SignJWT(claims)
      .setProtectedHeader({ alg: ALGORITHM, kid: this.keyId, typ: 'JWT' })
      .setSubject(subject)
      .setIssuer(this.options.issuer)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime(`${this.options.ttlSeconds}s`)
      .setJti(randomUUID())
      .sign(this.privateKey);
  }

  signMember(claims: MemberClaims): Promise<string> {
    return this.sign({ tenant_id: claims.tenant_id, role: claims.role }, claims.sub, this.options.audience);
  }

  signOperator(claims: OperatorClaims): Promise<string> {
    return this.sign({ role: 'admin' }, claims.sub, `${this.options.audience}:operator`);
  }

  private async verify(token: string, audience: string): Promise<VerifyResult<Record<string, unknown>>> {
    try {
      const { payload } = await jwtVerify(token, this.publicKey, {
        algorithms: [ALGORITHM],
        issuer: this.options.issuer,
        audience,
        requiredClaims: ['sub', 'exp', 'jti', 'iat'],
      });
      return { ok: true, claims: payload as Record<string, unknown> & { jti: string } };
    } catch (error) {
      return { ok: false, reason: error instanceof joseErrors.JWTExpired ? 'expired' : 'invalid' };
    }
  }

  async verifyMember(token: string): Promise<VerifyResult<MemberClaims>> {
    const result = await this.verify(token, this.options.audience);
    if (!result.ok) return result;
    const { sub, tenant_id: tenantId, role, jti } = result.claims;
    if (typeof sub !== 'string' || !UUID.test(sub) || typeof tenantId !== 'string' || !UUID.test(tenantId)) {
      return { ok: false, reason: 'invalid' };
    }
    if (role !== 'gestor' && role !== 'cliente') return { ok: false, reason: 'invalid' };
    return { ok: true, claims: { sub, tenant_id: tenantId, role, jti: String(jti) } };
  }

  async verifyOperator(token: string): Promise<VerifyResult<OperatorClaims>> {
    const result = await this.verify(token, `${this.options.audience}:operator`);
    if (!result.ok) return result;
    const { sub, role, jti } = result.claims;
    if (typeof sub !== 'string' || !UUID.test(sub) || role !== 'admin') return { ok: false, reason: 'invalid' };
    return { ok: true, claims: { sub, role, jti: String(jti) } };
  }
}

export function generateSigningKeyPem(): string {
  return generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** The configured key, or one generated once and kept in the data directory. */
export function resolveSigningKey(configured: string | null, dataDir: string): Promise<string> {
  return configured !== null ? Promise.resolve(configured) : loadOrCreateSecretFile(dataDir, 'jwt-ed25519.pem', generateSigningKeyPem);
}
