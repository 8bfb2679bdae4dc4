import path from 'node:path';
import { serialize } from 'php-serialize';
import type { ProjectSettings } from '../projects/types.js';
import type { Release } from '../releases/types.js';
import { escapeHtml } from '../readme/escape.js';
import { assetUrl, detailsUrl, packageUrl, type LinkContext } from './links.js';

/**
 * PHP's stdClass: php-serialize writes an instance as `O:8:"stdClass"`, which WordPress
 * reads as an object (`$res->new_version`); plain JS objects become PHP arrays.
 */
export class stdClass {
  [key: string]: unknown;
}

export function phpObject(fields: Record<string, unknown>): stdClass {
  const o = new stdClass();
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) o[k] = v;
  return o;
}

export function phpSerialize(value: unknown): string {
  return serialize(value);
}

/** The hint array the original answered when the site is current; clients ignore it (no new_version). */
export function upToDateHint(slug: string): Record<string, unknown> {
  return { status: 'ok', msg: 'version up to date.', errorCode: 0, slug };
}

export function errorArray(slug: string | undefined, msg: string, errorCode: number): Record<string, unknown> {
  return { status: 'error', msg, errorCode, ...(slug ? { slug } : {}) };
}

function mapAssets(links: LinkContext, release: Release, files: Record<string, string>): Record<string, string> | undefined {
  const entries = Object.entries(files);
  if (entries.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const [key, file] of entries) out[key] = assetUrl(links, release.version, path.posix.basename(file));
  return out;
}

function icons(links: LinkContext, release: Release): Record<string, string> | undefined {
  const out = mapAssets(links, release, release.assets.icons);
  if (out && !out.default) out.default = out['2x'] ?? out['1x'] ?? out.svg;
  return out;
}

/** requires / tested / requires_php: the plugin header first, then the readme's header fields. */
function compat(release: Release) {
  return {
    requires: release.header.requires ?? release.readme?.requires,
    tested: release.header.tested ?? release.readme?.tested,
    requires_php: release.header.requiresPhp ?? release.readme?.requiresPhp,
  };
}

/** `dir/main-file.php` as WordPress keys the plugin, when the header file is at the repository root. */
function pluginBasename(project: ProjectSettings): string | undefined {
  return project.info.includes('/') ? undefined : `${project.folderName}/${project.info}`;
}

function upgradeNotice(release: Release): string | undefined {
  const notice = release.readme?.upgradeNotices?.[release.version];
  return notice || undefined;
}

/** The update entry WordPress stores in update_plugins->response (object) or update_themes->response (array). */
export function updateEntry(project: ProjectSettings, release: Release, links: LinkContext): unknown {
  const c = compat(release);
  if (project.type === 'theme') {
    return {
      // WordPress keys themes by stylesheet: the folder the zip unpacks to.
      theme: project.folderName,
      new_version: release.version,
      url: detailsUrl(links),
      package: packageUrl(links, release.version),
      requires: c.requires ?? false,
      requires_php: c.requires_php ?? false,
    };
  }
  return phpObject({
    id: `${links.publicUrl}/${project.slug}`,
    slug: project.slug,
    plugin: pluginBasename(project),
    new_version: release.version,
    url: release.header.homepage ?? detailsUrl(links),
    package: packageUrl(links, release.version),
    icons: icons(links, release),
    banners: mapAssets(links, release, release.assets.banners),
    requires: c.requires,
    tested: c.tested,
    requires_php: c.requires_php,
    upgrade_notice: upgradeNotice(release),
  });
}

/**
 * Readme `Contributors:` are WordPress.org user names; the modal reads display_name, profile and
 * avatar of each, as WordPress.org's API gives them.
 */
function contributorsOf(names: string[]): Record<string, { display_name: string; profile: string; avatar: string }> {
  const out: Record<string, { display_name: string; profile: string; avatar: string }> = {};
  for (const name of names) {
    const user = encodeURIComponent(name);
    out[name] = {
      display_name: name,
      profile: `https://profiles.wordpress.org/${user}/`,
      avatar: `https://wordpress.org/grav-redirect.php?user=${user}`,
    };
  }
  return out;
}

/** "2026-11-23 7:45pm GMT", the format WordPress.org uses and strtotime() reads. */
export function wpDate(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const h = d.getUTCHours();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${h % 12 || 12}:${pad(d.getUTCMinutes())}${h < 12 ? 'am' : 'pm'} GMT`;
}

/** The object plugins_api() returns for the "View details" modal, but `downloaded` (see MetadataAnswers). */
export function pluginInformation(project: ProjectSettings, release: Release, links: LinkContext): unknown {
  const header = release.header;
  const name = header.name ?? release.readme?.name ?? project.slug;
  const authorName = header.author ?? '';
  const author = header.authorUri && authorName
    ? `<a href="${escapeHtml(header.authorUri)}">${escapeHtml(authorName)}</a>`
    : escapeHtml(authorName);
  const sections: Record<string, string> = { ...(release.readme?.sections ?? {}) };
  if (!sections.description) {
    const text = release.readme?.shortDescription ?? header.description;
    if (text) sections.description = `<p>${escapeHtml(text)}</p>`;
  }
  const c = compat(release);
  return phpObject({
    name,
    slug: project.slug,
    version: release.version,
    author,
    author_profile: header.authorUri,
    homepage: header.homepage ?? detailsUrl(links),
    requires: c.requires,
    tested: c.tested,
    requires_php: c.requires_php,
    last_updated: wpDate(release.date),
    short_description: release.readme?.shortDescription ?? header.description,
    sections,
    download_link: packageUrl(links, release.version),
    banners: mapAssets(links, release, release.assets.banners),
    icons: icons(links, release),
    contributors: release.readme?.contributors?.length ? contributorsOf(release.readme.contributors) : undefined,
  });
}
