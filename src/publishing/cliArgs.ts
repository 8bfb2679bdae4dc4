import { UsageError } from '../cli/command.js';

export interface ParsedArgs {
  positional: string[];
  options: Map<string, string | true>;
}

/**
 * `--name value`, `--name=value` and boolean `--flag`, checked against what a command accepts.
 * Anything unknown is a usage error (exit 2), as a shell user expects.
 */
export function parseArgs(args: string[], spec: { values?: string[]; flags?: string[] }): ParsedArgs {
  const values = new Set(spec.values ?? []);
  const flags = new Set(spec.flags ?? []);
  const positional: string[] = [];
  const options = new Map<string, string | true>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--')) {
      if (arg.startsWith('-') && arg !== '-') throw new UsageError(`Unknown option "${arg}".`);
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (flags.has(name)) {
      if (eq >= 0) throw new UsageError(`Option --${name} takes no value.`);
      options.set(name, true);
    } else if (values.has(name)) {
      const value = eq >= 0 ? arg.slice(eq + 1) : args[++i];
      if (value === undefined || value === '') throw new UsageError(`Option --${name} needs a value.`);
      options.set(name, value);
    } else {
      throw new UsageError(`Unknown option "--${name}".`);
    }
  }
  return { positional, options };
}

export function optionValue(parsed: ParsedArgs, name: string): string | undefined {
  const v = parsed.options.get(name);
  return typeof v === 'string' ? v : undefined;
}
