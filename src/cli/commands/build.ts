import { ArchiveStore, type ArchiveFile } from '../../archives/store.js';
import { readBlobs } from '../../git/objects.js';
import { parseWpHeader } from '../../readme/index.js';
import { sameVersion } from '../../releases/versions.js';
import type { ProjectReleases } from '../../releases/types.js';
import type { ProjectSettings } from '../../projects/types.js';
import { isSafeRefName } from '../../git/refs.js';
import { isValidSlug } from '../../projects/slug.js';
import { EXIT_FAILURE, EXIT_OK, UsageError, type CliCommand } from '../command.js';
import { optionValue, parseArgs } from '../../publishing/cliArgs.js';
import { openPublishingContext } from '../../publishing/cliContext.js';
import { formatSettingsProblem } from '../../publishing/report.js';

interface Target {
  branch: string;
  version: string;
  commit: string;
}

/** build <slug> [--branch b] [--version v]: builds release zips into ARCHIVES_DIR. */
export const buildCommand: CliCommand = {
  name: 'build',
  usage: '<slug> [--branch <branch>] [--version <version>]',
  summary: 'Build release zips into ARCHIVES_DIR (every branch\'s latest, or the one named).',
  details:
    'Reads the project (fetching a remote mirror) and builds the zip the server would serve:\n' +
    '  build my-plugin                    the latest release of every branch\n' +
    '  build my-plugin --branch beta      the latest release of one branch\n' +
    '  build my-plugin --version 1.1.0    one version (default branch unless --branch is given)\n' +
    'Zips already built are reused. Prints branch, version, file and size per zip.\n' +
    'Exit code 0 when every zip was built, 1 otherwise.',
  async run(args, io) {
    const parsed = parseArgs(args, { values: ['branch', 'version'] });
    if (parsed.positional.length !== 1) throw new UsageError('build takes exactly one argument: the project slug.');
    const slug = parsed.positional[0]!;
    const branchArg = optionValue(parsed, 'branch');
    const versionArg = optionValue(parsed, 'version');
    if (!isValidSlug(slug)) throw new UsageError(`"${slug}" is not a valid project slug.`);
    if (branchArg !== undefined && !isSafeRefName(branchArg)) throw new UsageError(`"${branchArg}" is not a valid branch name.`);
    if (versionArg !== undefined && !/^v?[0-9A-Za-z.+-]{1,64}$/.test(versionArg)) throw new UsageError(`"${versionArg}" is not a valid version.`);

    const ctx = await openPublishingContext(io);
    const archives = new ArchiveStore({ dir: ctx.config.archivesDir, log: ctx.log });
    try {
      const project = ctx.projects.get(slug);
      if (!project) {
        const problems = ctx.projects.problems().filter((p) => p.slug === slug);
        io.stderr.write(
          problems.length === 0
            ? `Unknown project "${slug}": no ${slug}.json in ${ctx.config.projectSettingsDir}.\n`
            : `Project "${slug}" is disabled by its settings file:\n${problems.map((p) => formatSettingsProblem(p, '  ')).join('\n')}\n`,
        );
        return EXIT_FAILURE;
      }
      const state = await ctx.releases.refresh(slug, 'cli');
      if (!state.releases) {
        io.stderr.write(`Cannot read the repository of ${slug}: ${state.error ?? 'unknown error'}\n`);
        return EXIT_FAILURE;
      }
      if (state.error !== null) io.stderr.write(`Warning: refresh failed, building from the last good state: ${state.error}\n`);

      const targets = await chooseTargets(project, state.releases, branchArg, versionArg?.replace(/^v/, ''));
      if (typeof targets === 'string') {
        io.stderr.write(`${targets}\n`);
        return EXIT_FAILURE;
      }
      await archives.init();
      let failed = 0;
      for (const t of targets) {
        let file: ArchiveFile;
        try {
          file = await archives.get({ slug, version: t.version, commit: t.commit, folderName: project.folderName, gitDir: state.releases.gitDir });
        } catch (err) {
          failed++;
          io.stderr.write(`${t.branch} ${t.version}: build failed: ${err instanceof Error ? err.message : String(err)}\n`);
          continue;
        }
        io.stdout.write(`${t.branch}\t${t.version}\t${file.path}\t${file.size}\n`);
      }
      return failed === 0 ? EXIT_OK : EXIT_FAILURE;
    } finally {
      await archives.close();
      await ctx.close();
    }
  },
};

/** The releases to build, or why there is none. */
async function chooseTargets(
  project: ProjectSettings,
  releases: ProjectReleases,
  branchArg: string | undefined,
  version: string | undefined,
): Promise<Target[] | string> {
  const defaultBranch = project.branch ?? releases.defaultBranch;
  const names = branchArg !== undefined || version !== undefined ? [branchArg ?? defaultBranch] : [...releases.branches.keys()];
  const targets: Target[] = [];
  for (const name of names) {
    const branch = releases.branches.get(name);
    if (!branch) return `${project.slug} has no branch "${name}".`;
    if (version === undefined || branch.latest?.version === version) {
      if (!branch.latest) {
        if (branchArg !== undefined) return `Branch ${name} of ${project.slug} has no release (see: npm run cli -- projects).`;
        continue;
      }
      targets.push({ branch: name, version: branch.latest.version, commit: branch.latest.commit });
      continue;
    }
    const tagged = branch.versions.find((v) => v.version === version);
    if (!tagged) return `Version ${version} is not a release of branch ${name} of ${project.slug}.`;
    // An older tag is built only when its Version header agrees, as the server serves it.
    const [blob] = await readBlobs(releases.gitDir, [`${tagged.commit}:${project.info}`]);
    if (!blob || !sameVersion(parseWpHeader(blob.toString('utf8')).version, tagged.version)) {
      return `Tag ${tagged.tag}: ${project.info} does not say Version ${tagged.version}; it is not served, so not built.`;
    }
    targets.push({ branch: name, version: tagged.version, commit: tagged.commit });
  }
  if (targets.length === 0) return `${project.slug} has no release to build (see: npm run cli -- projects).`;
  return targets;
}
