// Sends several statements to PostgreSQL in one network write and one round
// trip: each prelude statement and then the main statement are parsed, bound
// and executed back to back, followed by a single Sync. Everything before the
// Sync runs in one (implicit or explicit) transaction, and an error in a
// prelude skips the rest, so the main statement never runs without them.
//
// This uses node-postgres' Submittable extension point (the one pg-cursor and
// pg-query-stream use): a Query subclass that writes the prelude messages
// before its own and answers with the main statement's result only.
import pg from 'pg';

export interface Statement {
  text: string;
  values: readonly unknown[];
}

/** The parts of pg's Query and Connection internals this file relies on. */
interface ProtocolConnection {
  parse(message: { text: string; name: string; types?: unknown }): void;
  bind(message: { portal: string; statement: string; values: readonly unknown[]; valueMapper: unknown }): void;
  describe(message: { type: 'P'; name: string }): void;
  execute(message: { portal: string; rows?: number }): void;
}
interface QueryInternals {
  _results: pg.QueryResult | pg.QueryResult[];
  prepare(connection: ProtocolConnection): void;
  handleReadyForQuery(connection: unknown): void;
}

// pg's prepareValue turns JS values into wire text exactly as ordinary queries do.
const prepareValue = (pg as unknown as { utils: { prepareValue: unknown } }).utils.prepareValue;

const BaseQuery = pg.Query as unknown as new (config: pg.QueryConfig & {
  queryMode: 'extended';
  callback: (error: Error | null, result: pg.QueryResult) => void;
}) => QueryInternals;

class PipelinedQuery extends BaseQuery {
  constructor(
    private readonly preludes: readonly Statement[],
    main: Statement,
    callback: (error: Error | null, result: pg.QueryResult) => void,
  ) {
    super({ text: main.text, values: [...main.values], queryMode: 'extended', callback });
  }

  override prepare(connection: ProtocolConnection): void {
    for (const statement of this.preludes) {
      connection.parse({ text: statement.text, name: '' });
      connection.bind({ portal: '', statement: '', values: statement.values, valueMapper: prepareValue });
      connection.describe({ type: 'P', name: '' });
      connection.execute({ portal: '' });
    }
    super.prepare(connection);
  }

  override handleReadyForQuery(connection: unknown): void {
    if (Array.isArray(this._results)) this._results = this._results[this._results.length - 1] as pg.QueryResult;
    super.handleReadyForQuery(connection);
  }
}

/** Runs preludes and then main in one round trip; resolves with main's result. */
export function pipelined<R extends pg.QueryResultRow>(
  client: pg.ClientBase,
  preludes: readonly Statement[],
  main: Statement,
): Promise<pg.QueryResult<R>> {
  return new Promise((resolve, reject) => {
    const query = new PipelinedQuery(preludes, main, (error, result) => {
      if (error) reject(error);
      else resolve(result as pg.QueryResult<R>);
    });
    client.query(query as unknown as pg.Submittable);
  });
}
