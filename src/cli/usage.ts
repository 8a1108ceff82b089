// What `tessera --help` prints, and the error for a command line that cannot
// be run as typed (exit code 2, like most Unix tools).
export const HELP = `Usage: tessera <command> [options]

Commands:
  migrate                          Apply pending database migrations, then exit.
  operator create --email EMAIL    Create a platform operator and print its
                                   one-time password (shown only once).
  worker                           Dispatch outbox events (webhooks, NATS
                                   JetStream) until SIGTERM; for scaling out
                                   beside servers run with TESSERA_DISPATCHER=false.

Options:
  -h, --help                       Show this help.

The database is the server's: DATABASE_URL (a connection allowed to create
roles and tables), or, when it is unset, the embedded PostgreSQL kept in
TESSERA_DATA_DIR (default ./.tessera). The embedded database can serve only
one process, so stop the server before running a command against it.

Exit codes: 0 done, 1 failed, 2 bad command line, 78 invalid configuration.
`;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const EXIT = { ok: 0, failed: 1, usage: 2, config: 78 } as const;
