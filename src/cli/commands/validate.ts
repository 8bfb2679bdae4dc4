import fs from 'node:fs/promises';
import path from 'node:path';
import { EXIT_FAILURE, EXIT_OK, type CliCommand } from '../command.js';
import { parseArgs } from '../../publishing/cliArgs.js';
import { formatSettingsProblem } from '../../publishing/report.js';
import { loadConfig } from '../../config.js';
import { readSettingsFile } from '../../projects/parse.js';
import type { SettingsProblem } from '../../projects/types.js';

/** validate [file.json ...]: checks settings files exactly as the server loads them. */
export const validateCommand: CliCommand = {
  name: 'validate',
  usage: '[file.json ...]',
  summary: 'Validate all project settings files (or the files named) without starting the server.',
  details:
    'Checks every *.json in PROJECT_SETTINGS_DIR, or only the files given, with the rules the server\n' +
    'uses: keys, types, paths, access rules, and that {"env"}/{"file"} secrets resolve. Prints one\n' +
    'line per problem: file: key: why. Exit code 0 when every file is valid, 1 otherwise.',
  async run(args, io) {
    const { positional } = parseArgs(args, {});
    let files: string[];
    if (positional.length > 0) {
      files = positional.map((f) => path.resolve(f));
    } else {
      const dir = loadConfig(io.env).projectSettingsDir;
      const names = await fs.readdir(dir).catch((err: NodeJS.ErrnoException) => {
        io.stdout.write(`${dir}: cannot read the project settings folder (${err.code ?? 'error'})\n`);
        return null;
      });
      if (names === null) return EXIT_FAILURE;
      files = names.filter((n) => n.endsWith('.json') && !n.startsWith('.')).sort().map((n) => path.join(dir, n));
    }

    let invalid = 0;
    for (const file of files) {
      const result = await readSettingsFile(file, { env: io.env });
      const problems: SettingsProblem[] = result.ok ? [] : result.problems;
      for (const p of problems) io.stdout.write(`${formatSettingsProblem(p)}\n`);
      for (const w of result.warnings) io.stdout.write(`${formatSettingsProblem(w, 'warning: ')}\n`);
      if (!result.ok) invalid++;
    }
    const summary =
      files.length === 0
        ? 'No settings files found.'
        : `${files.length} settings file${files.length === 1 ? '' : 's'} checked: ${invalid === 0 ? 'all valid' : `${invalid} invalid`}.`;
    io.stderr.write(`${summary}\n`);
    return invalid === 0 ? EXIT_OK : EXIT_FAILURE;
  },
};
