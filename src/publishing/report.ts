import { maskUrl } from '../logger.js';
import type { ProjectSettings, SettingsProblem } from '../projects/types.js';
import type { ProjectState } from '../releases/types.js';

/** A project as the CLI shows it: settings, per-branch releases, problems. Also the --json shape. */
export interface ProjectReport {
  slug: string;
  type: string;
  repository: string;
  status: ProjectState['status'] | 'unknown';
  defaultBranch: string | null;
  branches: {
    name: string;
    default: boolean;
    prerelease: boolean;
    latest: { version: string; tag: string | null; commit: string } | null;
    versions: string[];
  }[];
  problems: string[];
  error: string | null;
}

export function projectReport(project: ProjectSettings, state: ProjectState | undefined): ProjectReport {
  const releases = state?.releases ?? null;
  const defaultBranch = releases ? (project.branch ?? releases.defaultBranch) : null;
  return {
    slug: project.slug,
    type: project.type,
    repository: maskUrl(project.repository),
    status: state?.status ?? 'unknown',
    defaultBranch,
    branches: releases
      ? [...releases.branches.values()]
          .sort((a, b) => Number(b.name === defaultBranch) - Number(a.name === defaultBranch) || a.name.localeCompare(b.name))
          .map((b) => ({
            name: b.name,
            default: b.name === defaultBranch,
            prerelease: project.prereleaseBranches.includes(b.name),
            latest: b.latest ? { version: b.latest.version, tag: b.latest.tag, commit: b.latest.commit } : null,
            versions: b.versions.map((v) => v.version),
          }))
      : [],
    problems: releases?.problems ?? [],
    error: state?.error ?? null,
  };
}

/** Human-readable lines for one project. */
export function formatProject(r: ProjectReport): string {
  const lines = [`${r.slug}  (${r.type}, ${r.repository})`];
  if (r.branches.length === 0 && r.error === null) lines.push('  no branches');
  for (const b of r.branches) {
    const marks = [b.default ? 'default' : '', b.prerelease ? 'pre-release channel' : ''].filter(Boolean).join(', ');
    const name = `${b.name}${marks ? ` (${marks})` : ''}`;
    const latest = b.latest ? `${b.latest.version}${b.latest.tag ? ` (tag ${b.latest.tag})` : ' (branch head, no version tag)'}` : 'no release';
    const older = b.versions.filter((v) => v !== b.latest?.version);
    lines.push(`  ${name}: ${latest}${older.length > 0 ? `; also ${older.slice(0, 5).join(', ')}${older.length > 5 ? ', …' : ''}` : ''}`);
  }
  for (const p of r.problems) lines.push(`  problem: ${p}`);
  if (r.error !== null) {
    lines.push(r.branches.length > 0 ? `  error: last refresh failed (showing the last good releases): ${r.error}` : `  error: repository not readable: ${r.error}`);
  }
  return lines.join('\n');
}

/** `file: key: why`, the way a settings problem is reported everywhere. */
export function formatSettingsProblem(p: SettingsProblem, prefix = ''): string {
  return `${prefix}${p.file}: ${p.key ? `${p.key}: ` : ''}${p.message}`;
}
