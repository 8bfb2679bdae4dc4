import { randomBytes } from 'node:crypto';
import { FastImport, git, type TreeFile } from './fastImport.js';

/**
 * The repositories the benchmark serves, generated with real git (bare, via fast-import) in
 * the run's temp folder. Contents are partly crypto-random so zips do not compress trivially.
 */

/** Every generated plugin's main file; settings name it with `info`, so one repository serves any slug. */
export const INFO_FILE = 'bench-plugin.php';

export interface GeneratedRepo {
  gitDir: string;
  /** Versions tagged, oldest first; the last is the latest release. */
  versions: string[];
  /** Commit of the latest release. */
  latestCommit: string;
}

export function pluginMain(version: string): string {
  return (
    `<?php\n/**\n * Plugin Name: Bench Plugin\n * Version: ${version}\n * Author: Bench\n * Author URI: https://bench.example\n` +
    ` * Requires at least: 6.0\n * Requires PHP: 7.4\n */\n`
  );
}

function readme(version: string): string {
  const changes = Array.from({ length: 12 }, (_, i) => `* Change ${i + 1} of ${version}: tuned the widget cache.`).join('\n');
  return (
    `=== Bench Plugin ===\nContributors: bench\nRequires at least: 6.0\nTested up to: 6.6\nRequires PHP: 7.4\nStable tag: ${version}\n\n` +
    `A plugin for measuring the update server.\n\n== Description ==\n\nBench Plugin does **useful** things, measured.\n\n` +
    `== Installation ==\n\nUpload and activate.\n\n== Changelog ==\n\n= ${version} =\n${changes}\n`
  );
}

/** Text-like filler: random bytes mapped onto a 16-character alphabet (about 2:1 under zlib, like source code). */
export function textLike(bytes: number): Buffer {
  const alphabet = Buffer.from('etaoinshrdlu ;$\n');
  const out = randomBytes(bytes);
  for (let i = 0; i < out.length; i++) out[i] = alphabet[out[i]! & 15]!;
  return out;
}

async function finishRepo(fi: FastImport, versions: string[]): Promise<GeneratedRepo> {
  await fi.finish();
  const latest = versions[versions.length - 1]!;
  return { gitDir: fi.gitDir, versions, latestCommit: git(fi.gitDir, 'rev-parse', `v${latest}^{commit}`) };
}

/** A small plugin with three releases (1.0.0, 1.1.0, 1.2.0) and a readme: what basic_check and plugin_information read. */
export async function smallPluginRepo(gitDir: string): Promise<GeneratedRepo> {
  const fi = new FastImport(gitDir);
  const versions = ['1.0.0', '1.1.0', '1.2.0'];
  for (const version of versions) {
    const mark = await fi.commit('main', `release ${version}`, [
      { path: INFO_FILE, data: pluginMain(version) },
      { path: 'readme.txt', data: readme(version) },
      { path: 'includes/helper.php', data: `<?php // helper of ${version}\n` },
    ]);
    await fi.tag(`v${version}`, mark);
  }
  return finishRepo(fi, versions);
}

/**
 * One release of `files` files totalling about `totalMB` MiB in nested folders; half of the
 * bytes random, half text-like. Two tags on the same tree (1.0.0 and 1.0.1, header bumped),
 * so an older version can be downloaded cold even if the latest is prebuilt.
 */
export async function manyFilesRepo(gitDir: string, files: number, totalMB: number): Promise<GeneratedRepo> {
  const fi = new FastImport(gitDir);
  const perFile = Math.max(16, Math.floor((totalMB * 1024 * 1024) / files));
  const tree: TreeFile[] = [];
  for (let i = 0; i < files; i++) {
    // Sizes vary from a quarter to 1.75× the mean; every other file is incompressible.
    const size = Math.floor(perFile * (0.25 + 1.5 * ((i * 7919) % 1000) / 1000));
    const dir = `src/module-${i % 40}/part-${Math.floor(i / 40) % 10}`;
    tree.push(
      i % 2 === 0
        ? { path: `${dir}/file-${i}.php`, data: textLike(size) }
        : { path: `${dir}/asset-${i}.bin`, data: randomBytes(size) },
    );
  }
  const versions = ['1.0.0', '1.0.1'];
  const first = await fi.commit('main', 'release 1.0.0', [{ path: INFO_FILE, data: pluginMain('1.0.0') }, ...tree]);
  await fi.tag('v1.0.0', first);
  const second = await fi.commit('main', 'release 1.0.1', [{ path: INFO_FILE, data: pluginMain('1.0.1') }]);
  await fi.tag('v1.0.1', second);
  return finishRepo(fi, versions);
}

/** A release whose zip is about `mb` MiB: one random (incompressible) payload plus the plugin file. */
export async function bigFileRepo(gitDir: string, mb: number): Promise<GeneratedRepo> {
  const fi = new FastImport(gitDir);
  const mark = await fi.commit('main', 'release 1.0.0', [
    { path: INFO_FILE, data: pluginMain('1.0.0') },
    { path: 'assets/payload.bin', data: randomBytes(Math.round(mb * 1024 * 1024)) },
  ]);
  await fi.tag('v1.0.0', mark);
  return finishRepo(fi, ['1.0.0']);
}

/** `count` commits on main, each bumping the Version header and tagged with it (v1.0.0, v1.0.1, …). */
export async function manyTagsRepo(gitDir: string, count: number): Promise<GeneratedRepo> {
  const fi = new FastImport(gitDir);
  const versions: string[] = [];
  for (let i = 0; i < count; i++) {
    const version = `1.${Math.floor(i / 100)}.${i % 100}`;
    const files: TreeFile[] = [{ path: INFO_FILE, data: pluginMain(version) }];
    if (i === 0) files.push({ path: 'readme.txt', data: readme(version) });
    const mark = await fi.commit('main', `release ${version}`, files);
    await fi.tag(`v${version}`, mark);
    versions.push(version);
  }
  return finishRepo(fi, versions);
}
