import semver from 'semver';
import { ForbiddenError, NotFoundError, UnavailableError, AppError } from '../errors.js';
import { readBlobs } from '../git/objects.js';
import type { AccessRequest, ProjectSettings, SettingsProblem } from '../projects/types.js';
import { parseWpHeader } from '../readme/index.js';
import type { ProjectLookup, ReleaseService } from '../releases/service.js';
import type { BranchReleases, ProjectReleases, Release, TaggedVersion } from '../releases/types.js';
import { sameVersion } from '../releases/versions.js';
import { CODES, LEGACY_CODES, type ApiParams } from './params.js';

export interface ProjectsView extends ProjectLookup {
  problems(): SettingsProblem[];
  /** The project's precompiled access rules applied to one request. */
  canAccess(slug: string, req: AccessRequest): boolean;
}

/** A request resolved to its project, branch and releases, after the access check. */
export interface ResolvedRequest {
  project: ProjectSettings;
  releases: ProjectReleases;
  branch: BranchReleases;
}

/** What a download serves: the latest release or an older tagged version (rollback). */
export interface DownloadTarget {
  version: string;
  commit: string;
  gitDir: string;
  isLatest: boolean;
}

/**
 * The update API's lookups, all from memory: settings registry and resolved releases.
 * Only an older version's download reads git (once per tag, then remembered).
 */
export class UpdateApiService {
  private readonly verifiedTags = new Map<string, Promise<boolean>>();

  constructor(
    private readonly projects: ProjectsView,
    private readonly releases: ReleaseService,
  ) {}

  resolve(params: ApiParams, ip: string): ResolvedRequest {
    const project = this.projects.get(params.slug);
    if (!project) {
      const invalid = this.projects.problems().some((p) => p.slug === params.slug);
      if (invalid) {
        throw new NotFoundError(`Project ${params.slug} is disabled: its settings file is invalid.`, LEGACY_CODES.settingsInvalid);
      }
      throw new NotFoundError(`Unknown project: ${params.slug}.`, LEGACY_CODES.settingsMissing);
    }
    const releases = this.releases.releases(params.slug);
    if (!releases) {
      throw new UnavailableError(`The repository of ${params.slug} is not readable yet; try again shortly.`, CODES.notReadyYet);
    }
    const branchName = params.branch ?? project.branch ?? releases.defaultBranch;
    if (!this.projects.canAccess(params.slug, { apikey: params.apikey, branch: branchName, ip })) {
      throw new ForbiddenError('Access denied: check the apikey, branch and address rules of this project.');
    }
    const branch = releases.branches.get(branchName);
    if (!branch) throw new NotFoundError(`Unknown branch: ${branchName}.`, CODES.unknownBranch);
    return { project, releases, branch };
  }

  latest(req: ResolvedRequest): Release {
    if (!req.branch.latest) {
      throw new NotFoundError(`Branch ${req.branch.name} has no release yet (see the server log for why).`, CODES.noRelease);
    }
    return req.branch.latest;
  }

  async downloadTarget(req: ResolvedRequest, version: string | undefined): Promise<DownloadTarget> {
    const latest = req.branch.latest;
    if (!version || latest?.version === version) {
      const release = this.latest(req);
      return { version: release.version, commit: release.commit, gitDir: req.releases.gitDir, isLatest: true };
    }
    const tagged = req.branch.versions.find((v) => v.version === version);
    // A pre-release is served only on a pre-release channel, by number as much as by default.
    const offered = tagged && (semver.prerelease(tagged.version) === null || req.project.prereleaseBranches.includes(req.branch.name));
    if (!tagged || !offered || !(await this.verify(req, tagged))) {
      throw new NotFoundError(`Version ${version} is not a release of branch ${req.branch.name}.`, CODES.unknownVersion);
    }
    return { version: tagged.version, commit: tagged.commit, gitDir: req.releases.gitDir, isLatest: false };
  }

  /** An older tag is served only when its tree's Version header agrees, as for the latest. */
  private verify(req: ResolvedRequest, tagged: TaggedVersion): Promise<boolean> {
    const key = `${req.project.slug}\0${tagged.commit}\0${req.project.info}\0${tagged.version}`;
    let result = this.verifiedTags.get(key);
    if (!result) {
      result = readBlobs(req.releases.gitDir, [`${tagged.commit}:${req.project.info}`]).then(([blob]) =>
        blob ? sameVersion(parseWpHeader(blob.toString('utf8')).version, tagged.version) : false,
      );
      result.catch(() => this.verifiedTags.delete(key));
      this.verifiedTags.set(key, result);
    }
    return result.catch((err) => {
      throw new AppError(503, 'unavailable', `Could not read version ${tagged.version}: ${(err as Error).message}`, CODES.notReadyYet);
    });
  }
}
