// The Fastify instance every capability registers its routes on: request ids,
// redacted structured logs, strict JSON validation, problem+json errors and
// the OpenAPI description generated from the route schemas.
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type RawServerDefault } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { newId } from '../ids.ts';
import { errorCatalogue, findError } from './errors.ts';
import { refuseNulCharacters } from './nul-guard.ts';
import { registerProblemHandler } from './problem-handler.ts';
import { Problem } from './schemas.ts';
import { buildValidator } from './validators.ts';

export type App = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;

export interface HttpServerOptions {
  logLevel: string;
  bodyLimitBytes: number;
  trustProxy: boolean;
  /** Pino destination override (tests pass a silent level instead). */
  logStream?: NodeJS.WritableStream;
}

export interface RouteSummary {
  method: string;
  url: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    registeredRoutes: RouteSummary[];
  }
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  '*.senha',
  '*.password',
  '*.token',
  '*.refresh_token',
  '*.secret',
];

export async function createHttpServer(options: HttpServerOptions): Promise<App> {
  const app = Fastify({
    logger: {
      level: options.logLevel,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      ...(options.logStream ? { stream: options.logStream } : {}),
    },
    bodyLimit: options.bodyLimitBytes,
    trustProxy: options.trustProxy,
    requestIdHeader: false,
    genReqId: (request) => {
      const incoming = request.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : newId();
    },
    schemaController: { compilersFactory: { buildValidator } },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Every route, for the isolation suite (which must cover each route with an id).
  const routes: RouteSummary[] = [];
  app.decorate('registeredRoutes', routes);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) if (method !== 'HEAD') routes.push({ method, url: route.url });
  });
  // Closing: requests still in flight get their answer with `Connection: close`,
  // so their keep-alive sockets end with the response instead of holding
  // server.close() open until the keep-alive timeout (72 s by default).
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    if (closing) reply.header('connection', 'close');
  });
  // JSON only: without this, text/plain bodies would reach the validators as strings.
  app.removeContentTypeParser('text/plain');
  app.addHook('preValidation', refuseNulCharacters);
  registerProblemHandler(app);
  app.addSchema(Problem);

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Tessera API',
        version: '0.1.0',
        description:
          'Multi-tenant case and workflow management. Authenticate with `Authorization: Bearer <access token or API key>`. Errors are RFC 9457 problem documents (see /problems/{code}).',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'Access JWT from /api/auth/login or /api/signup, or an API key (tsk_...)' },
        },
      },
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, index) => String(json.$id ?? `def-${index}`) },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs', staticCSP: true });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/problems', { schema: { hide: true } }, async () => errorCatalogue());
  app.get<{ Params: { code: string } }>('/problems/:code', { schema: { hide: true } }, async (request, reply) => {
    const definition = findError(request.params.code);
    if (!definition) return reply.callNotFound();
    return definition;
  });
  return app;
}
