import { createHmac } from 'node:crypto';
import { EXIT_FAILURE, EXIT_OK, UsageError, type CliCommand } from '../command.js';
import { parseArgs } from '../../publishing/cliArgs.js';
import { openPublishingContext } from '../../publishing/cliContext.js';
import { formatProject, formatSettingsProblem, projectReport } from '../../publishing/report.js';
import { isValidSlug } from '../../projects/slug.js';
import type { ProjectSettings } from '../../projects/types.js';

/** refresh <slug> [--notify]: fetches and re-reads one project now. */
export const refreshCommand: CliCommand = {
  name: 'refresh',
  usage: '<slug> [--notify]',
  summary: "Fetch a project's repository now and show the releases it offers.",
  details:
    'Fetches the mirror of a remote repository (or reads a local one) and resolves its releases,\n' +
    'printing them. A running server keeps its own copy in memory: with --notify the command\n' +
    "then calls the server's webhook (PUBLIC_URL/webhooks/<slug>, signed with the project's\n" +
    'webhookSecret) so the server re-reads the project at once; otherwise the server sees the\n' +
    'change at its next poll. Exit code 0 on success, 1 when the repository cannot be read.',
  async run(args, io) {
    const parsed = parseArgs(args, { flags: ['notify'] });
    if (parsed.positional.length !== 1) throw new UsageError('refresh takes exactly one argument: the project slug.');
    const slug = parsed.positional[0]!;
    if (!isValidSlug(slug)) throw new UsageError(`"${slug}" is not a valid project slug.`);
    const ctx = await openPublishingContext(io);
    try {
      const project = ctx.projects.get(slug);
      if (!project) {
        const problems = ctx.projects.problems().filter((p) => p.slug === slug);
        if (problems.length === 0) io.stderr.write(`Unknown project "${slug}": no ${slug}.json in ${ctx.config.projectSettingsDir}.\n`);
        else io.stderr.write(`Project "${slug}" is disabled by its settings file:\n${problems.map((p) => formatSettingsProblem(p, '  ')).join('\n')}\n`);
        return EXIT_FAILURE;
      }
      const state = await ctx.releases.refresh(slug, 'cli');
      io.stdout.write(`${formatProject(projectReport(project, state))}\n`);
      if (state.error !== null) return EXIT_FAILURE;
      if (parsed.options.has('notify')) return (await notifyServer(project, ctx.config.publicUrl, io.stderr)) ? EXIT_OK : EXIT_FAILURE;
      return EXIT_OK;
    } finally {
      await ctx.close();
    }
  },
};

/** Sends the same signed request a post-receive hook sends (generic X-Signature-256). */
async function notifyServer(project: ProjectSettings, publicUrl: string, err: NodeJS.WritableStream): Promise<boolean> {
  if (project.webhookSecret === undefined) {
    err.write(`Cannot notify the server: ${project.slug} has no webhookSecret in its settings.\n`);
    return false;
  }
  const url = `${publicUrl}/webhooks/${project.slug}`;
  const body = JSON.stringify({ source: 'cli', project: project.slug });
  const signature = createHmac('sha256', project.webhookSecret).update(body).digest('hex');
  try {
    const res = await fetch(url, {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'application/json', 'X-Signature-256': `sha256=${signature}` },
      signal: AbortSignal.timeout(10_000),
      redirect: 'error',
    });
    await res.arrayBuffer();
    if (res.status === 202) {
      err.write(`Server at ${publicUrl} notified: it is re-reading ${project.slug}.\n`);
      return true;
    }
    err.write(`Server at ${publicUrl} answered ${res.status} to the notification.\n`);
    return false;
  } catch (e) {
    err.write(`Could not reach the server at ${publicUrl}: ${e instanceof Error ? e.message : String(e)}\n`);
    return false;
  }
}
