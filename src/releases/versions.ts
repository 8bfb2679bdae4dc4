import semver from 'semver';

/**
 * What a served version may look like: it goes into URLs, file names and log lines. Tags are
 * semver; a branch head's Version header is free text and must fit this too.
 */
export const SERVABLE_VERSION = /^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$/;

/** The version a tag names (`1.2.0`, `v1.2.0`), or null when the tag is not a semver version. */
export function tagVersion(tag: string): string | null {
  const m = /^v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)$/.exec(tag);
  return m && semver.valid(m[1]) ? m[1] : null;
}

/** Pre-release words as PHP's version_compare() orders them; a bare number ranks between rc and pl. */
const SUFFIX_RANK: Record<string, number> = { dev: 0, alpha: 1, a: 1, beta: 2, b: 2, rc: 3, number: 4, pl: 5, p: 5 };

/** "1.2.3", "1.2.3.4", "1.0-beta2", "2.0RC1" → release numbers and suffix tokens. */
function splitVersion(version: string): { release: number[]; suffix: (number | string)[] } {
  const v = version.trim().replace(/^v/i, '').toLowerCase();
  const m = /^(\d+(?:\.\d+)*)(.*)$/.exec(v);
  if (!m) return { release: [], suffix: v.split(/[^a-z0-9]+|(?<=\d)(?=[a-z])|(?<=[a-z])(?=\d)/).filter(Boolean) };
  const suffix = m[2]!.split(/[^a-z0-9]+|(?<=\d)(?=[a-z])|(?<=[a-z])(?=\d)/).filter(Boolean).map((t) => (/^\d+$/.test(t) ? Number(t) : t));
  return { release: m[1]!.split('.').map(Number), suffix };
}

function rankOf(token: number | string | undefined): number {
  if (token === undefined) return SUFFIX_RANK.number!; // nothing left ranks as a plain release
  if (typeof token === 'number') return SUFFIX_RANK.number!;
  return SUFFIX_RANK[token] ?? -1; // an unknown word is older than dev, as in PHP
}

/**
 * Orders two versions as a WordPress site means them: semver when both are semver (so
 * 1.3.0-beta.1 < 1.3.0), otherwise release numbers first, missing ones counting as 0
 * (1.0 = 1.0.0, 1.2.3.5 > 1.2.3.4), then suffixes ranked like PHP's version_compare()
 * (dev < alpha < beta < RC < release < pl). Returns -1, 0 or 1.
 */
export function compareVersions(a: string, b: string): number {
  const sa = semver.valid(a.trim().replace(/^v/i, ''));
  const sb = semver.valid(b.trim().replace(/^v/i, ''));
  if (sa && sb) return semver.compare(sa, sb);
  const x = splitVersion(a);
  const y = splitVersion(b);
  for (let i = 0; i < Math.max(x.release.length, y.release.length); i++) {
    const d = (x.release[i] ?? 0) - (y.release[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  for (let i = 0; i < Math.max(x.suffix.length, y.suffix.length); i++) {
    const p = x.suffix[i];
    const q = y.suffix[i];
    const d = rankOf(p) - rankOf(q);
    if (d !== 0) return Math.sign(d);
    if (typeof p === 'number' && typeof q === 'number' && p !== q) return Math.sign(p - q);
  }
  return 0;
}

/** True when `latest` is newer than what the site runs. */
export function isNewer(latest: string, installed: string): boolean {
  return compareVersions(latest, installed) > 0;
}

/** Whether a header's Version matches the tag's version ("1.2" in a header matches tag 1.2.0? No: exact after normalising a leading v). */
export function sameVersion(headerVersion: string | undefined, version: string): boolean {
  if (!headerVersion) return false;
  const h = headerVersion.trim().replace(/^v/i, '');
  if (h === version) return true;
  const a = semver.valid(h);
  return a !== null && semver.eq(a, version);
}
