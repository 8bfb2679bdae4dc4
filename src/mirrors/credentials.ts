import type { ProjectSettings } from '../projects/types.js';
import type { Transport } from './remoteUrl.js';

/**
 * Environment that gives git a project's credentials. Everything travels in the environment
 * of the git process: never in argv (visible in `ps`), never in the URL or the mirror's config.
 *  - https: an `Authorization: Basic` header via GIT_CONFIG_KEY_n/VALUE_n, scoped to the
 *    repository's scheme://host/ so a redirect to another host does not receive it.
 *  - ssh: GIT_SSH_COMMAND with the key file, never prompting (BatchMode).
 */
export function credentialEnv(
  url: string,
  transport: Transport,
  credentials: ProjectSettings['credentials'],
): Record<string, string> {
  const env: Record<string, string> = {};
  if (transport === 'http' && credentials?.password !== undefined) {
    const parsed = new URL(url);
    // http(s) URLs carry no user info (refused by the settings parser): the user name is in the settings.
    const username = credentials.username ?? 'git';
    const token = Buffer.from(`${username}:${credentials.password}`, 'utf8').toString('base64');
    env.GIT_CONFIG_COUNT = '1';
    env.GIT_CONFIG_KEY_0 = `http.${parsed.protocol}//${parsed.host}/.extraHeader`;
    env.GIT_CONFIG_VALUE_0 = `Authorization: Basic ${token}`;
  }
  if (transport === 'ssh') env.GIT_SSH_COMMAND = sshCommand(credentials?.sshKeyFile);
  return env;
}

/**
 * `ssh` that never asks anything: BatchMode fails instead of prompting; an unknown host key is
 * accepted once and then pinned in known_hosts (accept-new), a changed one is refused.
 */
export function sshCommand(keyFile?: string): string {
  const parts = ['ssh'];
  if (keyFile !== undefined) parts.push('-i', shellQuote(keyFile), '-o', 'IdentitiesOnly=yes');
  parts.push('-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=accept-new');
  return parts.join(' ');
}

/** GIT_SSH_COMMAND is read by a shell: single-quote the path whatever it contains. */
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
