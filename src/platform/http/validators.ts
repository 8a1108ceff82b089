// Request validation. Bodies are JSON and must already have the right types:
// no coercion, so `"nome": ["x"]` or `"slug": 42` is a 422, not silently
// converted. Query strings and path parameters arrive as text and are coerced
// to the types their schemas declare. Every part reports all its errors at
// once and rejects unknown members (schemas say additionalProperties: false).
//
// Installed as the schema controller's validator factory (not with
// setValidatorCompiler), so plugins that add shared schemas keep these rules
// instead of falling back to Fastify's defaults.
import { Ajv, type Options } from 'ajv';
import addFormats from 'ajv-formats';

const common: Options = { allErrors: true, removeAdditional: false, useDefaults: true, strict: false };

function createAjv(options: Options, externalSchemas: readonly unknown[]): Ajv {
  const ajv = new Ajv({ ...common, ...options });
  addFormats.default(ajv);
  for (const schema of externalSchemas) ajv.addSchema(schema as object);
  return ajv;
}

type Validate = ReturnType<Ajv['compile']>;

export function buildValidator(externalSchemas: Record<string, unknown> = {}): (route: { schema: unknown; httpPart?: string }) => Validate {
  const shared = Object.values(externalSchemas);
  const strict = createAjv({ coerceTypes: false }, shared);
  const coercing = createAjv({ coerceTypes: 'array' }, shared);
  return ({ schema, httpPart }) => {
    const ajv = httpPart === 'body' ? strict : coercing;
    const id = (schema as { $id?: unknown }).$id;
    const known = typeof id === 'string' ? ajv.getSchema(id) : undefined;
    return known ?? ajv.compile(schema as object);
  };
}
