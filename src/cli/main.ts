// Entry point of the `tessera` command (bin/tessera.js). Returns the exit
// code instead of exiting, so tests can call it in-process.
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from '../config.ts';
import { migrateCommand } from './commands/migrate.ts';
import { OperatorExistsError, operatorCreateCommand } from './commands/operator-create.ts';
import { workerCommand } from './commands/worker.ts';
import { ProvisionError } from './database.ts';
import { EXIT, HELP, UsageError } from './usage.ts';

export interface CliOutput {
  out(line: string): void;
  err(line: string): void;
}

const consoleOutput: CliOutput = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

function parse(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      options: { help: { type: 'boolean', short: 'h' }, email: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    // parseArgs explains unknown options and missing values itself.
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

async function dispatch(argv: readonly string[], output: CliOutput, env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = parse(argv);
  if (values.help) {
    output.out(HELP.trimEnd());
    return EXIT.ok;
  }
  const command = positionals.join(' ');
  const config = (): Config => loadConfig(env);
  switch (command) {
    case 'migrate':
      if (values.email !== undefined) throw new UsageError('migrate takes no --email.');
      await migrateCommand(config(), output.out);
      return EXIT.ok;
    case 'operator create':
      if (values.email === undefined) throw new UsageError('operator create needs --email EMAIL.');
      await operatorCreateCommand(config(), values.email, output.out);
      return EXIT.ok;
    case 'worker':
      if (values.email !== undefined) throw new UsageError('worker takes no --email.');
      await workerCommand(config(), output.out);
      return EXIT.ok;
    case '':
      throw new UsageError('No command given.');
    default:
      throw new UsageError(`Unknown command "${command}".`);
  }
}

export async function main(argv: readonly string[], output: CliOutput = consoleOutput, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  try {
    return await dispatch(argv, output, env);
  } catch (error) {
    if (error instanceof UsageError) {
      output.err(`tessera: ${error.message}`);
      output.err('Run "tessera --help" for the commands.');
      return EXIT.usage;
    }
    if (error instanceof ConfigError) {
      output.err(`Invalid configuration: ${error.message}`);
      return EXIT.config;
    }
    if (error instanceof OperatorExistsError || error instanceof ProvisionError) {
      output.err(`tessera: ${error.message}`);
      return EXIT.failed;
    }
    output.err(`tessera: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return EXIT.failed;
  }
}
