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
  private readonly memo = new Map<string, MemoEntry>();

  constructor(
    /** Read per answer: PUBLIC_URL is known only once the server listens when it defaults to the bound port. */
    private readonly config: { readonly publicUrl: string },
    private readonly service: UpdateApiService,
    private readonly downloads: Pick<DownloadCounter, 'total'>,
  ) {}

  /**
   * The serialized answer to a validated basic_check or plugin_information request (bytes ready to
   * send for basic_check, text for plugin_information). Throws AppErrors.
   */
  answer(params: ApiParams, ip: string): Buffer | string {
    const req = this.service.resolve(params, ip);
    const release = this.service.latest(req);
    const links: LinkContext = { publicUrl: this.config.publicUrl, slug: params.slug, branch: req.branch.name, apikey: params.apikey };
    const { project } = req;
    const entry = this.entry(project, release, links.branch);
    if (params.action === 'basic_check') {
      const installed = params.version!;
      let newer = entry.newer.get(installed);
      if (newer === undefined) {
        if (entry.newer.size >= MAX_PER_RELEASE) entry.newer.clear();
        entry.newer.set(installed, (newer = isNewer(release.version, installed)));
      }
      if (!newer) return remember(entry.answers, 'current', () => Buffer.from(phpSerialize(upToDateHint(project.slug))));
      return remember(entry.answers, `update\0${links.apikey ?? ''}`, () => Buffer.from(phpSerialize(updateEntry(project, release, links))));
    }
    const info = remember(entry.info, links.apikey ?? '', () => phpSerialize(pluginInformation(project, release, links)));
    return appendIntField(info, 'downloaded', this.downloads.total(project.slug));
  }

  /** The memo of one slug and branch, started over when its settings or release object changed. */
  private entry(project: ProjectSettings, release: Release, branch: string): MemoEntry {
    const id = `${project.slug}\0${branch}`;
    let entry = this.memo.get(id);
    if (!entry || entry.project !== project || entry.release !== release) {
      entry = { project, release, answers: new Map(), info: new Map(), newer: new Map() };
      this.memo.set(id, entry);
    }
    return entry;
  }
}

interface MemoEntry {
  project: ProjectSettings;
  release: Release;
  /** basic_check answers by kind and apikey. */
  answers: Map<string, Buffer>;
  /** plugin_information answers (without `downloaded`) by apikey. */
  info: Map<string, string>;
  /** Whether the release is newer than an installed version, by that version as sent. */
  newer: Map<string, boolean>;
}

function remember<T>(answers: Map<string, T>, key: string, build: () => T): T {
  let answer = answers.get(key);
  if (answer === undefined) {
    if (answers.size >= MAX_PER_RELEASE) answers.clear();
    answer = build();
    answers.set(key, answer);
  }
  return answer;
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
