import type { ProjectSettings } from '../projects/types.js';
import type { Release } from '../releases/types.js';
import { isNewer } from '../releases/versions.js';
import { phpSerialize, pluginInformation, upToDateHint, updateEntry } from './answers.js';
import type { DownloadCounter } from './downloads.js';
import type { LinkContext } from './links.js';
import type { ApiParams } from './params.js';
import type { UpdateApiService } from './service.js';
import { parseWordPressAgent } from './userAgent.js';

/** Distinct link contexts (branch × apikey) remembered per release before the memo starts over. */
const MAX_PER_RELEASE = 512;

/**
 * The answers of `basic_check` and `plugin_information`, PHP-serialized, memoized.
 *
 * An answer depends only on the project's settings, the release and the link context
 * (branch, apikey), all immutable: settings and releases are replaced, never changed, on a
 * reload or refresh. So each answer is serialized once, under its slug and branch, and the
 * memo of a slug and branch starts over when its settings or release object is another one.
 * `downloaded` changes all the time: it is appended to the cached object on the way out.
 */
export class MetadataAnswers {
  private readonly memo = new Map<string, { project: ProjectSettings; release: Release; answers: Map<string, string> }>();

  constructor(
    /** Read per answer: PUBLIC_URL is known only once the server listens when it defaults to the bound port. */
    private readonly config: { readonly publicUrl: string },
    private readonly service: UpdateApiService,
    private readonly downloads: Pick<DownloadCounter, 'total'>,
  ) {}

  /** The serialized answer to a validated basic_check or plugin_information request. Throws AppErrors. */
  answer(params: ApiParams, ip: string): string {
    const req = this.service.resolve(params, ip);
    const release = this.service.latest(req);
    const links: LinkContext = { publicUrl: this.config.publicUrl, slug: params.slug, branch: req.branch.name, apikey: params.apikey };
    const { project } = req;
    if (params.action === 'basic_check') {
      if (!isNewer(release.version, params.version!)) {
        return this.remember(project, release, links.branch, 'current', () => phpSerialize(upToDateHint(project.slug)));
      }
      return this.remember(project, release, links.branch, `update\0${links.apikey ?? ''}`, () =>
        phpSerialize(updateEntry(project, release, links)),
      );
    }
    const info = this.remember(project, release, links.branch, `info\0${links.apikey ?? ''}`, () =>
      phpSerialize(pluginInformation(project, release, links)),
    );
    return appendIntField(info, 'downloaded', this.downloads.total(project.slug));
  }

  private remember(project: ProjectSettings, release: Release, branch: string, key: string, build: () => string): string {
    const id = `${project.slug}\0${branch}`;
    let entry = this.memo.get(id);
    if (!entry || entry.project !== project || entry.release !== release) {
      entry = { project, release, answers: new Map() };
      this.memo.set(id, entry);
    }
    let answer = entry.answers.get(key);
    if (answer === undefined) {
      if (entry.answers.size >= MAX_PER_RELEASE) entry.answers.clear();
      answer = build();
      entry.answers.set(key, answer);
    }
    return answer;
  }
}

/** Adds `name => int` as the last member of a serialized PHP object or array (`…:N:{…}`). */
export function appendIntField(serialized: string, name: string, value: number): string {
  const m = /^([Oa]:(?:\d+:"[^"]*":)?)(\d+)(:\{)/.exec(serialized);
  if (!m || !serialized.endsWith('}') || !Number.isSafeInteger(value)) throw new Error('not a serialized object');
  const field = `s:${Buffer.byteLength(name)}:"${name}";i:${value};`;
  return `${m[1]}${Number(m[2]) + 1}${m[3]}${serialized.slice(m[0].length, -1)}${field}}`;
}

/** The request-log fields of an update API request (the User-Agent says which site and WordPress). */
export function apiLogFields(params: Partial<ApiParams>, userAgent: string | undefined): Record<string, unknown> {
  const agent = parseWordPressAgent(userAgent);
  return {
    action: params.action,
    slug: params.slug,
    branch: params.branch,
    installedVersion: params.action === 'basic_check' ? params.version : undefined,
    wpVersion: agent.wpVersion,
    siteUrl: agent.siteUrl,
  };
}
