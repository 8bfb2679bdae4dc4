import path from 'node:path';
import semver from 'semver';
import type { ProjectSettings } from '../projects/types.js';
import { readBlobs } from '../git/objects.js';
import { isSafeRefName, isSha } from '../git/refs.js';
import { runGit } from '../git/runner.js';
import { parseReadme, parseWpHeader } from '../readme/index.js';
import type { BranchReleases, ProjectReleases, Release, ReleaseAssets, TaggedVersion, WpHeader } from './types.js';
import { SERVABLE_VERSION, sameVersion, tagVersion } from './versions.js';

interface RefRow {
  name: string;
  commit: string;
  date: string;
}

/**
 * Metadata read from a commit's tree, keyed by commit + settings that affect it. Kept across
 * refreshes so that re-resolving a repository with thousands of tags reads only what changed.
 */
export type MetadataCache = Map<string, Promise<Omit<Release, 'version' | 'tag'> | null>>;

/** How many tag candidates are checked per cat-file round while looking for a valid latest release. */
const CANDIDATE_BATCH = 16;

/**
 * Resolves every branch's releases from the repository's refs: the highest version tag reachable
 * from the branch (pre-releases only on pre-release branches) whose tree's Version header agrees,
 * or the branch head when it has no version tag. Runs a handful of git processes per branch.
 */
export async function resolveReleases(
  gitDir: string,
  project: ProjectSettings,
  cache: MetadataCache = new Map(),
): Promise<ProjectReleases> {
  const problems: string[] = [];
  const refs = await listRefs(gitDir);
  const heads = refs.filter((r) => r.name.startsWith('refs/heads/'));
  const tagsByName = new Map<string, RefRow>();
  for (const r of refs) if (r.name.startsWith('refs/tags/')) tagsByName.set(r.name.slice('refs/tags/'.length), r);

  const defaultBranch = await findDefaultBranch(gitDir, heads);
  const branches = new Map<string, BranchReleases>();
  for (const head of heads) {
    const name = head.name.slice('refs/heads/'.length);
    if (!isSafeRefName(name)) {
      problems.push(`branch ${JSON.stringify(name)} ignored: unsafe name`);
      continue;
    }
    const versions = await reachableVersions(gitDir, head.commit, tagsByName, problems);
    const allowPre = project.prereleaseBranches.includes(name);
    const latest = await pickLatest(gitDir, project, name, head, versions, allowPre, cache, problems);
    branches.set(name, { name, head: head.commit, latest, versions });
  }
  return { slug: project.slug, gitDir, defaultBranch, branches, problems, resolvedAt: new Date().toISOString() };
}

async function listRefs(gitDir: string): Promise<RefRow[]> {
  const out = await runGit(gitDir, [
    'for-each-ref',
    '--format=%(refname)%00%(objecttype)%00%(objectname)%00%(*objecttype)%00%(*objectname)%00%(committerdate:iso-strict)%00%(*committerdate:iso-strict)',
    'refs/heads',
    'refs/tags',
  ]);
  const rows: RefRow[] = [];
  for (const line of out.split('\n')) {
    if (!line) continue;
    const [name, type, sha, peeledType, peeledSha, date, peeledDate] = line.split('\0');
    const commit = type === 'commit' ? sha : peeledType === 'commit' ? peeledSha : null;
    if (!commit || !isSha(commit)) continue; // tags of trees or blobs are not releases
    rows.push({ name, commit, date: (type === 'commit' ? date : peeledDate) ?? '' });
  }
  return rows;
}

async function findDefaultBranch(gitDir: string, heads: RefRow[]): Promise<string> {
  const names = heads.map((h) => h.name.slice('refs/heads/'.length));
  try {
    const head = (await runGit(gitDir, ['symbolic-ref', '--quiet', 'HEAD'])).trim();
    const name = head.replace(/^refs\/heads\//, '');
    if (names.includes(name)) return name;
  } catch {
    /* detached or missing HEAD: fall through */
  }
  return names.find((n) => n === 'main') ?? names.find((n) => n === 'master') ?? names[0] ?? 'main';
}

/** Version tags whose commit is reachable from `commit`, highest first. */
async function reachableVersions(
  gitDir: string,
  commit: string,
  tags: Map<string, RefRow>,
  problems: string[],
): Promise<TaggedVersion[]> {
  if (tags.size === 0) return [];
  const out = await runGit(gitDir, ['for-each-ref', `--merged=${commit}`, '--format=%(refname:strip=2)', 'refs/tags']);
  const byVersion = new Map<string, TaggedVersion>();
  for (const tag of out.split('\n')) {
    const row = tag && tags.get(tag);
    const version = row ? tagVersion(tag) : null;
    if (!row || !version) continue;
    const existing = byVersion.get(version);
    if (existing && existing.commit !== row.commit) {
      problems.push(`tags ${existing.tag} and ${tag} name the same version on different commits; using ${existing.tag}`);
      continue;
    }
    // Prefer the plain tag over the v-prefixed one when both exist: deterministic whatever the order.
    if (!existing || tag.length < existing.tag.length) byVersion.set(version, { version, tag, commit: row.commit });
  }
  return [...byVersion.values()].sort((a, b) => semver.rcompare(a.version, b.version));
}

async function pickLatest(
  gitDir: string,
  project: ProjectSettings,
  branch: string,
  head: RefRow,
  versions: TaggedVersion[],
  allowPrerelease: boolean,
  cache: MetadataCache,
  problems: string[],
): Promise<Release | null> {
  const candidates = versions.filter((v) => allowPrerelease || semver.prerelease(v.version) === null);
  for (let i = 0; i < candidates.length; i += CANDIDATE_BATCH) {
    const batch = candidates.slice(i, i + CANDIDATE_BATCH);
    const blobs = await readBlobs(gitDir, batch.map((c) => `${c.commit}:${project.info}`), 1024 * 1024);
    for (let j = 0; j < batch.length; j++) {
      const c = batch[j];
      const blob = blobs[j];
      if (!blob) {
        problems.push(`tag ${c.tag} on ${branch}: ${project.info} not found in the tagged tree; not served`);
        continue;
      }
      const header = parseWpHeader(blob.toString('utf8'));
      if (!sameVersion(header.version, c.version)) {
        problems.push(
          `tag ${c.tag} on ${branch}: ${project.info} says Version ${header.version ?? '(none)'}, the tag says ${c.version}; not served`,
        );
        continue;
      }
      const meta = await releaseMetadata(gitDir, project, c.commit, cache);
      if (meta) return { ...meta, version: c.version, tag: c.tag };
    }
  }
  if (versions.length > 0) {
    // Tags exist but none is servable here: never fall back to an untagged head, which may be unreleased work.
    if (candidates.length === 0) problems.push(`branch ${branch}: only pre-release tags, and it is not a pre-release branch; no release`);
    return null;
  }
  // No version tag on this branch: the head is the release, versioned by its header (the original behaviour).
  const meta = await releaseMetadata(gitDir, project, head.commit, cache);
  if (!meta) {
    problems.push(`branch ${branch}: ${project.info} not found at the head; no release`);
    return null;
  }
  const version = meta.header.version?.trim();
  if (!version) {
    problems.push(`branch ${branch}: ${project.info} has no Version header; no release`);
    return null;
  }
  if (!SERVABLE_VERSION.test(version)) {
    problems.push(
      `branch ${branch}: ${project.info} says Version ${JSON.stringify(version.slice(0, 80))}: letters, digits and . + _ - only (at most 64); no release`,
    );
    return null;
  }
  return { ...meta, version, tag: null };
}

function releaseMetadata(
  gitDir: string,
  project: ProjectSettings,
  commit: string,
  cache: MetadataCache,
): Promise<Omit<Release, 'version' | 'tag'> | null> {
  const key = `${commit}\0${project.info}\0${project.readme ?? ''}\0${project.type}`;
  let entry = cache.get(key);
  if (!entry) {
    entry = readMetadata(gitDir, project, commit);
    cache.set(key, entry);
    entry.catch(() => cache.delete(key));
  }
  return entry;
}

async function readMetadata(gitDir: string, project: ProjectSettings, commit: string): Promise<Omit<Release, 'version' | 'tag'> | null> {
  const [rootOut, assetOut, dateOut] = await Promise.all([
    runGit(gitDir, ['ls-tree', '--name-only', commit]),
    runGit(gitDir, ['ls-tree', '-r', '--name-only', commit, '--', '.wordpress-org', 'assets']),
    runGit(gitDir, ['show', '-s', '--format=%cI', commit]),
  ]);
  const rootFiles = rootOut.split('\n').filter(Boolean);
  const readmePath = project.readme ?? findReadme(rootFiles);
  const [infoBlob, readmeBlob] = await readBlobs(gitDir, [
    `${commit}:${project.info}`,
    ...(readmePath ? [`${commit}:${readmePath}`] : []),
  ]);
  if (!infoBlob) return null;
  const header: WpHeader = parseWpHeader(infoBlob.toString('utf8'));
  const readme =
    readmeBlob && readmePath
      ? parseReadme(readmeBlob.toString('utf8'), path.extname(readmePath).toLowerCase() === '.txt' ? 'txt' : 'md')
      : null;
  return {
    commit,
    date: dateOut.trim(),
    header,
    readme,
    assets: findAssets(assetOut.split('\n').filter(Boolean)),
  };
}

/** readme.md first, then readme.txt, matched case-insensitively like WordPress.org does. */
function findReadme(rootFiles: string[]): string | undefined {
  for (const wanted of ['readme.md', 'readme.txt']) {
    const hit = rootFiles.find((f) => f.toLowerCase() === wanted);
    if (hit) return hit;
  }
  return undefined;
}

const ICONS: [RegExp, string][] = [
  [/^icon\.svg$/i, 'svg'],
  [/^icon-256x256\.(png|jpe?g|gif)$/i, '2x'],
  [/^icon-128x128\.(png|jpe?g|gif)$/i, '1x'],
];
const BANNERS: [RegExp, string][] = [
  [/^banner-1544x500\.(png|jpe?g|gif)$/i, 'high'],
  [/^banner-772x250\.(png|jpe?g|gif)$/i, 'low'],
];

/** Icons and banners named as on WordPress.org, in `.wordpress-org/` (preferred) or `assets/`. */
function findAssets(files: string[]): ReleaseAssets {
  const assets: ReleaseAssets = { icons: {}, banners: {} };
  const ordered = [...files].sort((a, b) => Number(b.startsWith('.wordpress-org/')) - Number(a.startsWith('.wordpress-org/')));
  for (const file of ordered) {
    if (file.split('/').length !== 2) continue;
    const base = path.posix.basename(file);
    for (const [re, key] of ICONS) if (re.test(base) && !assets.icons[key]) assets.icons[key] = file;
    for (const [re, key] of BANNERS) if (re.test(base) && !assets.banners[key]) assets.banners[key] = file;
  }
  return assets;
}
