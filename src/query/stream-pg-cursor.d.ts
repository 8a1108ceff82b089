// Types for pg-cursor (node-postgres' server-side cursor), which ships none:
// only what src/query/stream-rows.ts uses.
declare module 'pg-cursor' {
  import type { Connection, QueryResultRow, Submittable } from 'pg';

  export default class Cursor<R extends QueryResultRow = QueryResultRow> implements Submittable {
    constructor(text: string, values?: readonly unknown[], config?: { rowMode?: 'array'; types?: unknown });
    submit(connection: Connection): void;
    /** The next `rows` rows; fewer (or none) at the end. */
    read(rows: number): Promise<R[]>;
    /** Closes the portal; resolves once the server has answered. */
    close(): Promise<void>;
  }
}
