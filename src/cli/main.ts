import { ConfigError } from '../config.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError, type CliCommand, type CliIo } from './command.js';
import { commands as registered } from './commands/index.js';

function helpText(commands: CliCommand[]): string {
  const width = Math.max(...commands.map((c) => `${c.name} ${c.usage}`.length));
  const lines = commands.map((c) => `  ${`${c.name} ${c.usage}`.padEnd(width)}  ${c.summary}`);
  return `Usage: npm run cli -- <command> [arguments]\n\nCommands:\n${lines.join('\n')}\n\nRun "npm run cli -- help <command>" for details.\n`;
}

function commandTable(): CliCommand[] {
  const help: CliCommand = {
    name: 'help',
    usage: '[command]',
    summary: 'Show this help, or the details of one command.',
    async run(args, io) {
      if (args.length === 0) {
        io.stderr.write(helpText(table));
        return EXIT_OK;
      }
      const command = table.find((c) => c.name === args[0]);
      if (!command || args.length > 1) throw new UsageError(`Unknown command "${args.join(' ')}".`);
      io.stderr.write(`Usage: npm run cli -- ${command.name} ${command.usage}\n\n${command.summary}\n`);
      if (command.details) io.stderr.write(`\n${command.details}\n`);
      return EXIT_OK;
    },
  };
  const table = [...registered, help];
  return table;
}

/** Runs one CLI invocation; resolves to the exit code (0 ok, 1 failure, 2 usage or configuration). */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const table = commandTable();
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h') {
    io.stderr.write(helpText(table));
    return name ? EXIT_OK : EXIT_USAGE;
  }
  const command = table.find((c) => c.name === name);
  try {
    if (!command) throw new UsageError(`Unknown command "${name}".`);
    return await command.run(args, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`${err.message}\n\n${helpText(table)}`);
      return EXIT_USAGE;
    }
    if (err instanceof ConfigError) {
      // A bad environment variable: exit 2, as the server does.
      io.stderr.write(`${err.message}\n`);
      return EXIT_USAGE;
    }
    io.stderr.write(`Error: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_FAILURE;
  }
}
