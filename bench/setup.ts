// The data the benchmark reads: organisations signed up through the real
// POST /api/signup (one after another, timed) and an API key for the first.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { createHistogram } from 'node:perf_hooks';

export interface Organisation {
  tenantId: string;
  userId: string;
  /** The owner's (gestor's) access token from signup. */
  token: string;
}

export interface SignupLatency {
  count: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
}

interface JsonResponse {
  status: number;
  // The answers are checked field by field where they are used.
  json: any;
}

/** A one-connection JSON client for the setup requests. */
export class SetupClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

  constructor(private readonly base: string) {}

  request(method: 'GET' | 'POST', url: string, body?: unknown, token?: string): Promise<JsonResponse> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const request = http.request(
        new URL(url, this.base),
        {
          method,
          agent: this.agent,
          headers: {
            ...(payload !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
        },
        (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (text += chunk));
          response.on('end', () => {
            try {
              resolve({ status: response.statusCode ?? 0, json: text === '' ? null : JSON.parse(text) });
            } catch (error) {
              reject(error);
            }
          });
          response.on('error', reject);
        },
      );
      request.on('error', reject);
      request.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Signs up `count` organisations one after another; signup hashes a password with scrypt, so each takes a while. */
export async function signUpOrganisations(client: SetupClient, count: number): Promise<{ organisations: Organisation[]; latency: SignupLatency }> {
  const histogram = createHistogram({ lowest: 1, highest: 600e9, figures: 3 });
  const organisations: Organisation[] = [];
  const run = randomBytes(3).toString('hex');
  for (let index = 1; index <= count; index += 1) {
    const slug = `bench-${run}-${index}`;
    const body = { slug, nome: `Bench ${index}`, plano: 'pro', email: `owner@${slug}.example`, senha: 'correct horse battery staple' };
    const started = process.hrtime.bigint();
    const response = await client.request('POST', '/api/signup', body);
    histogram.record(process.hrtime.bigint() - started);
    if (response.status !== 201) throw new Error(`signup ${index} failed: HTTP ${response.status} ${JSON.stringify(response.json)}`);
    organisations.push({ tenantId: response.json.tenant.id, userId: response.json.user.id, token: response.json.token });
  }
  return {
    organisations,
    latency: { count, p50Ms: histogram.percentile(50) / 1e6, p99Ms: histogram.percentile(99) / 1e6, meanMs: histogram.mean / 1e6 },
  };
}

/** Creates an API key with scope agentes as the organisation's gestor; answers the secret. */
export async function createApiKey(client: SetupClient, organisation: Organisation): Promise<string> {
  const created = await client.request('POST', '/api/tenants/atual/api-keys', { nome: 'bench', escopo: 'agentes' }, organisation.token);
  if (created.status !== 201 || typeof created.json?.secret !== 'string') {
    throw new Error(`creating the API key failed: HTTP ${created.status} ${JSON.stringify(created.json)}`);
  }
  return created.json.secret;
}
