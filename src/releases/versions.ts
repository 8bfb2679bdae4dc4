import semver from 'semver';

/** The version a tag names (`1.2.0`, `v1.2.0`), or null when the tag is not a semver version. */
export function tagVersion(tag: string): string | null {
  const m = /^v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)$/.exec(tag);
  return m && semver.valid(m[1]) ? m[1] : null;
}

/**
 * Parses a version as WordPress sites report it ("1.2", "1.2.0", "1.3.0-beta.1") for comparison.
 * Loose on purpose: a plugin header may say "1.2"; null when nothing version-like is there.
 */
export function parseInstalledVersion(version: string): semver.SemVer | null {
  const trimmed = version.trim().replace(/^v/i, '');
  return semver.parse(trimmed, { loose: true }) ?? semver.coerce(trimmed, { includePrerelease: true });
}

/** True when `latest` is newer than what the site runs. */
export function isNewer(latest: string, installed: string): boolean {
  const a = parseInstalledVersion(latest);
  const b = parseInstalledVersion(installed);
  if (!a) return false;
  if (!b) return true;
  return semver.gt(a, b);
}

/** Whether a header's Version matches the tag's version ("1.2" in a header matches tag 1.2.0? No: exact after normalising a leading v). */
export function sameVersion(headerVersion: string | undefined, version: string): boolean {
  if (!headerVersion) return false;
  const h = headerVersion.trim().replace(/^v/i, '');
  if (h === version) return true;
  const a = semver.valid(h);
  return a !== null && semver.eq(a, version);
}
