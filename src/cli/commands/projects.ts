import { EXIT_FAILURE, EXIT_OK, UsageError, type CliCommand } from '../command.js';
import { parseArgs } from '../../publishing/cliArgs.js';
import { openPublishingContext } from '../../publishing/cliContext.js';
import { formatProject, formatSettingsProblem, projectReport } from '../../publishing/report.js';

/** projects [--json]: every project with its branches, releases and problems. */
export const projectsCommand: CliCommand = {
  name: 'projects',
  usage: '[--json]',
  summary: 'List projects, their releases per branch, and any problems.',
  details:
    'Reads every projectSettings file and every repository (fetching remote mirrors) the way the\n' +
    'server does, without starting it. Shows per branch the release offered and older versions,\n' +
    'and problems: tags whose Version header differs, unreadable repositories, invalid settings.\n' +
    'Exit code 0 when there is no problem, 1 when something needs attention.\n' +
    '--json prints {projects, settingsProblems} for scripts.',
  async run(args, io) {
    const parsed = parseArgs(args, { flags: ['json'] });
    if (parsed.positional.length > 0) throw new UsageError('projects takes no arguments.');
    const ctx = await openPublishingContext(io);
    try {
      await ctx.releases.start();
      const reports = ctx.projects.list().map((p) => projectReport(p, ctx.releases.state(p.slug)));
      const settingsProblems = ctx.projects.problems();
      if (parsed.options.has('json')) {
        io.stdout.write(`${JSON.stringify({ projects: reports, settingsProblems }, null, 2)}\n`);
      } else {
        const blocks = reports.map(formatProject);
        if (reports.length === 0) blocks.push(`No projects loaded from ${ctx.config.projectSettingsDir}.`);
        if (settingsProblems.length > 0) {
          blocks.push(['Settings files not loaded:', ...settingsProblems.map((p) => formatSettingsProblem(p, '  '))].join('\n'));
        }
        io.stdout.write(`${blocks.join('\n\n')}\n`);
      }
      const troubled = reports.some((r) => r.error !== null || r.problems.length > 0) || settingsProblems.length > 0;
      return troubled ? EXIT_FAILURE : EXIT_OK;
    } finally {
      await ctx.close();
    }
  },
};
