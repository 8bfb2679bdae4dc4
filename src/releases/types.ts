/** The WordPress file header of a plugin's main file or a theme's style.css. */
export interface WpHeader {
  name?: string;
  version?: string;
  description?: string;
  author?: string;
  authorUri?: string;
  /** Plugin URI or Theme URI. */
  homepage?: string;
  requires?: string;
  tested?: string;
  requiresPhp?: string;
  textDomain?: string;
  updateUri?: string;
}

/** A readme split into WordPress sections, already rendered to sanitized HTML. */
export interface ParsedReadme {
  name?: string;
  /** Header fields of a readme.txt ("Requires at least", "Tested up to", "Requires PHP", "Stable tag", "Contributors"). */
  requires?: string;
  tested?: string;
  requiresPhp?: string;
  contributors?: string[];
  shortDescription?: string;
  /** Keys are lowercase with underscores: description, installation, faq, screenshots, changelog, upgrade_notice, other_notes, … */
  sections: Record<string, string>;
  /** The whole readme rendered to sanitized HTML (project_details page). */
  html: string;
  /** The Upgrade Notice section per version, plain text (`upgrade_notice` of an update offer). */
  upgradeNotices?: Record<string, string>;
}

/** Icon and banner files found in the release tree (`.wordpress-org/` or `assets/`), keyed as WordPress reads them. */
export interface ReleaseAssets {
  /** `1x`, `2x`, `svg` → path inside the repository. */
  icons: Record<string, string>;
  /** `low`, `high` → path inside the repository. */
  banners: Record<string, string>;
}

/** One release: a version tag (or a branch head without tags) with the metadata read from its tree. */
export interface Release {
  version: string;
  /** The tag it came from; null when it is the head of a branch without version tags. */
  tag: string | null;
  commit: string;
  /** Committer date of the commit, ISO 8601. */
  date: string;
  header: WpHeader;
  readme: ParsedReadme | null;
  assets: ReleaseAssets;
}

/** A version tag reachable from a branch, not yet checked in depth (rollback downloads check it when used). */
export interface TaggedVersion {
  version: string;
  tag: string;
  commit: string;
}

export interface BranchReleases {
  name: string;
  head: string;
  /** The release offered on this branch; null when the branch has none (see problems). */
  latest: Release | null;
  /** Every version tag reachable from the branch (including older ones, for rollback), highest first. */
  versions: TaggedVersion[];
}

export interface ProjectReleases {
  slug: string;
  gitDir: string;
  defaultBranch: string;
  branches: Map<string, BranchReleases>;
  /** Human-readable problems found while resolving (mismatched tags, missing headers). */
  problems: string[];
  resolvedAt: string;
}

/** Where a project's git objects live, and how to bring them up to date. */
export interface RepositorySource {
  /** Makes the repository readable and current (fetching a remote's mirror) and returns its git dir. */
  sync(project: import('../projects/types.js').ProjectSettings): Promise<string>;
}

export type ProjectStatus = 'pending' | 'ready' | 'failed';

/** What the server knows about one project's releases; replaced as a whole on each refresh. */
export interface ProjectState {
  slug: string;
  status: ProjectStatus;
  /** The last good resolution; kept when a later refresh fails. */
  releases: ProjectReleases | null;
  /** Why the last refresh failed (masked: no credentials). */
  error: string | null;
  lastAttemptAt: number | null;
  lastSuccessAt: number | null;
  /** Consecutive failed refreshes, for backoff. */
  failures: number;
}
