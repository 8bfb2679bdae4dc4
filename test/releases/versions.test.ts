import { describe, expect, it } from 'vitest';
import { compareVersions, isNewer, sameVersion, SERVABLE_VERSION, tagVersion } from '../../src/releases/versions.js';

describe('compareVersions', () => {
  it.each([
    ['1.1.0', '1.0.0', 1],
    ['1.0.0', '1.0.0', 0],
    ['v1.2.0', '1.2.0', 0],
    ['1.3.0-beta.1', '1.3.0', -1],
    ['1.3.0-beta.2', '1.3.0-beta.10', -1],
    ['1.0', '1.0.0', 0], // a header may say "1.0"
    ['1.1', '1.0.9', 1],
    ['1.2.3.5', '1.2.3.4', 1], // four-part versions, common in WordPress plugins
    ['1.2.3.4', '1.2.3', 1],
    ['1.2.3.0', '1.2.3', 0],
    ['2.0', '1.10', 1],
    ['1.0RC1', '1.0', -1],
    ['1.0rc2', '1.0beta3', 1],
    ['1.0-dev', '1.0alpha', -1],
    ['1.0pl1', '1.0', 1],
    ['1.0', '1.0.0-beta.1', 1],
  ])('%s vs %s → %i', (a, b, expected) => {
    expect(compareVersions(a, b)).toBe(expected);
    expect(compareVersions(b, a)).toBe(-expected || 0);
  });

  it('isNewer: a site reporting something unreadable is offered the release', () => {
    expect(isNewer('1.0.0', 'unknown')).toBe(true);
    expect(isNewer('1.0.0', '1.0')).toBe(false);
    expect(isNewer('1.2.3.5', '1.2.3.4')).toBe(true);
  });
});

describe('tag and header versions', () => {
  it('tagVersion takes semver tags with an optional v and nothing else', () => {
    expect(tagVersion('v1.2.0')).toBe('1.2.0');
    expect(tagVersion('1.3.0-beta.1')).toBe('1.3.0-beta.1');
    for (const tag of ['1.2', 'release-1.2.0', 'v1.2.0.1', '-x', 'latest']) expect(tagVersion(tag)).toBeNull();
  });

  it('sameVersion accepts the header of a tag written with or without v', () => {
    expect(sameVersion('1.2.0', '1.2.0')).toBe(true);
    expect(sameVersion(' v1.2.0 ', '1.2.0')).toBe(true);
    expect(sameVersion('1.1.0', '1.2.0')).toBe(false);
    expect(sameVersion(undefined, '1.2.0')).toBe(false);
  });

  it('SERVABLE_VERSION refuses what cannot go into a URL or a file name', () => {
    for (const v of ['1.0', '1.2.3.4', '2.0.0-rc.1+build.5', '1.0_rc']) expect(SERVABLE_VERSION.test(v)).toBe(true);
    for (const v of ['', '1.0 beta', '../1.0', '-1.0', '1.0/2', 'x'.repeat(65)]) expect(SERVABLE_VERSION.test(v)).toBe(false);
  });
});
