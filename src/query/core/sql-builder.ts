// Collects the bind parameters and aliases of one statement. The compiler
// writes only its own keywords and aliases as SQL text; everything that comes
// from the query or the registry (values, field keys, type keys, JSON path
// keys) goes through here as a `$n` parameter, always with an explicit cast
// so PostgreSQL never has to guess a type (`jsonb -> unknown` is ambiguous).

/** The SQL types parameters are cast to. */
export type ScalarParamType = 'text' | 'uuid' | 'numeric' | 'float8' | 'boolean' | 'date' | 'timestamptz' | 'jsonb' | 'integer' | 'smallint';
export type ParamType = ScalarParamType | `${ScalarParamType}[]`;

export class SqlBuilder {
  readonly values: unknown[] = [];
  private readonly shared = new Map<string, string>();
  private readonly counters = new Map<string, number>();

  /** A new parameter holding `value`. Never shared by value: equal literals get their own parameters, so the text depends on the query's shape only. */
  param(value: unknown, type: ParamType): string {
    this.values.push(value === undefined ? null : value);
    return `$${this.values.length}::${type}`;
  }

  /**
   * One parameter per identifier (a type key, a field key, a JSON path), however
   * often the statement uses it. Identifiers are part of the query's shape, so
   * sharing them keeps the text a function of the shape.
   */
  identifier(value: string | readonly string[], type: 'text' | 'text[]'): string {
    const key = `${type}:${JSON.stringify(value)}`;
    let found = this.shared.get(key);
    if (found === undefined) {
      found = this.param(Array.isArray(value) ? [...value] : value, type);
      this.shared.set(key, found);
    }
    return found;
  }

  /** A fresh alias: `h1`, `h2`, ... per prefix, in order of use. */
  alias(prefix: string): string {
    const next = (this.counters.get(prefix) ?? 0) + 1;
    this.counters.set(prefix, next);
    return `${prefix}${next}`;
  }
}
