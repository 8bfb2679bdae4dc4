import { TestRepo, pluginHeader, themeHeader } from '../helpers/git.js';

/** A small PNG (1×1) used as icon and banner. */
export const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d4948445200000001000000010806000000' + '1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082',
  'hex',
);

export const README_TXT = (version: string) => `=== Acme Tools ===
Contributors: acme, bob
Requires at least: 6.1
Tested up to: 6.6
Requires PHP: 8.0
Stable tag: ${version}

Tools for Acme sites.

== Description ==

Acme Tools does **useful** things. <script>alert(1)</script>

== Installation ==

Upload and activate.

== Changelog ==

= ${version} =
* Latest changes.

== Upgrade Notice ==

= ${version} =
Please update.
`;

/**
 * A plugin repository with the situations the update API must handle:
 * main: v1.0.0, 1.1.0 (readme, icons, export-ignore), v1.2.0 whose header still says 1.1.0 (mismatch);
 * develop (pre-release channel): v2.0.0-beta.1; rc-only (no shared history): 3.0.0-rc.1 only (not a pre-release channel).
 */
export function pluginRepo(): TestRepo {
  const repo = new TestRepo();
  repo.write('acme-tools.php', pluginHeader('Acme Tools', '1.0.0', { Author: 'Acme', 'Author URI': 'https://acme.example' })).commit('1.0.0');
  repo.tag('v1.0.0');
  repo
    .write('acme-tools.php', pluginHeader('Acme Tools', '1.1.0', {
      Author: 'Acme & Co',
      'Author URI': 'https://acme.example',
      'Plugin URI': 'https://acme.example/tools',
      'Requires at least': '6.0',
      'Requires PHP': '7.4',
    }))
    .write('readme.txt', README_TXT('1.1.0'))
    .write('.wordpress-org/icon-128x128.png', PNG)
    .write('.wordpress-org/banner-772x250.png', PNG)
    .write('.gitattributes', '.gitattributes export-ignore\ntests/ export-ignore\n.wordpress-org/ export-ignore\n')
    .write('tests/test-acme.php', '<?php // not shipped')
    .write('includes/helper.php', '<?php // shipped')
    .commit('1.1.0');
  repo.tag('1.1.0', true);
  repo.write('includes/more.php', '<?php // forgot to bump the header').commit('1.2.0 without header bump');
  repo.tag('v1.2.0');
  repo.checkout('develop', true);
  repo.write('acme-tools.php', pluginHeader('Acme Tools', '2.0.0-beta.1')).commit('beta');
  repo.tag('v2.0.0-beta.1');
  repo.checkout('main');
  repo.orphan('rc-only');
  repo.write('acme-tools.php', pluginHeader('Acme Tools', '3.0.0-rc.1')).commit('rc');
  repo.tag('3.0.0-rc.1');
  repo.checkout('main');
  return repo;
}

export function untaggedRepo(): TestRepo {
  const repo = new TestRepo();
  repo.write('simple.php', pluginHeader('Simple', '0.5.0')).commit('head only');
  return repo;
}

export function themeRepo(): TestRepo {
  const repo = new TestRepo();
  repo.write('style.css', themeHeader('Acme Theme', '1.0.0', { 'Requires at least': '6.2', 'Requires PHP': '8.1' })).write('index.php', '<?php').commit('1.0');
  repo.tag('1.0.0');
  repo.write('style.css', themeHeader('Acme Theme', '2.0.0', { 'Requires at least': '6.2', 'Requires PHP': '8.1' })).write('readme.md', '# Acme Theme\n\n## Description\n\nA theme.\n').commit('2.0');
  repo.tag('2.0.0');
  return repo;
}
