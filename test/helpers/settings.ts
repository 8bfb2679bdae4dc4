import type { ProjectSettings } from '../../src/projects/types.js';

/** Parsed settings of a plugin project with a remote repository, as the registry hands them out (`extra` overrides). */
export function projectSettings(slug: string, repository: string, extra: Partial<ProjectSettings> = {}): ProjectSettings {
  return {
    slug,
    file: `/settings/${slug}.json`,
    repository,
    isRemote: true,
    type: 'plugin',
    info: `${slug}.php`,
    folderName: slug,
    allowed: '*',
    prereleaseBranches: [],
    ...extra,
  };
}
