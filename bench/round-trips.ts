// Counts database round trips made by this process: PostgreSQL answers every
// Sync (extended protocol) and every simple query with one ReadyForQuery, so
// counting those messages on node-postgres' connections counts round trips.
// Benchmark-only instrumentation: it wraps Connection.prototype.emit of the
// one `pg` module that the server and the load generator both load.
import pg from 'pg';

let count = 0;
let installed = false;

export function countRoundTrips(): void {
  if (installed) return;
  installed = true;
  const prototype = (pg as unknown as { Connection: { prototype: { emit(event: string | symbol, ...args: unknown[]): boolean } } }).Connection
    .prototype;
  const emit = prototype.emit;
  prototype.emit = function counted(this: unknown, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'readyForQuery') count += 1;
    return emit.call(this, event, ...args);
  };
}

export function roundTrips(): number {
  return count;
}
