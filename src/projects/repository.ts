import path from 'node:path';

/**
 * The `repository` setting: a local path or a git URL. Whatever passes here is safe to hand
 * to git as a positional argument (after `--`): it cannot be read as an option, cannot pick a
 * command-running transport (`ext::`), and carries no password (nor, over http(s), a user name,
 * which is where tokens get pasted).
 */
export type RepositoryCheck =
  | { ok: true; repository: string; isRemote: boolean }
  | { ok: false; message: string };

const SCHEMES = new Set(['https', 'http', 'ssh', 'git', 'file']);
const URL_LIKE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
const TRANSPORT = /^[A-Za-z][A-Za-z0-9+.-]*::/;
/** scp-like `user@host:path` (git's own syntax for ssh). */
const SCP_LIKE = /^([A-Za-z0-9._~-]+)@([A-Za-z0-9][A-Za-z0-9.-]*):(.+)$/;
const CONTROL = /[\x00-\x1f\x7f]/;

/**
 * Checks and classifies `repository`. A local path is returned absolute: relative paths are
 * resolved against `cwd` (the server's process.cwd(), not the settings folder), so every
 * later use sees the same folder and git cannot mistake it for a URL.
 */
export function checkRepository(value: string, cwd: string): RepositoryCheck {
  const repo = value.trim();
  if (repo.length === 0) return { ok: false, message: 'must not be empty' };
  if (repo.length > 2000) return { ok: false, message: 'must be at most 2000 characters' };
  if (repo.startsWith('-')) return { ok: false, message: 'must not start with "-" (git would read it as an option)' };
  if (CONTROL.test(repo)) return { ok: false, message: 'must not contain line breaks, NUL or other control characters' };
  if (TRANSPORT.test(repo)) {
    return { ok: false, message: 'uses a "transport::address" form, which is not supported (use https://, ssh://, git://, file:// or a path)' };
  }

  const scheme = URL_LIKE.exec(repo)?.[1]?.toLowerCase();
  if (scheme !== undefined) {
    if (!SCHEMES.has(scheme)) {
      return { ok: false, message: `uses the unsupported URL scheme "${scheme}:" (use https, http, ssh, git or file)` };
    }
    let url: URL;
    try {
      url = new URL(repo);
    } catch {
      return { ok: false, message: 'is not a valid URL' };
    }
    if (url.password !== '') {
      return { ok: false, message: 'must not contain a password: reference it in credentials.password as {"env": "NAME"} instead' };
    }
    // In an http(s) URL the user name is where tokens end up (https://ghp_…@github.com/…): refused
    // whatever it is, and never repeated in the message. ssh user names (git@host) stay allowed.
    if ((scheme === 'https' || scheme === 'http') && url.username !== '') {
      return {
        ok: false,
        message:
          'must not contain a user name or token before "@" (it would sit in the settings file and in git\'s view of the URL): ' +
          'write the URL without it and put the user name in credentials.username and the token in credentials.password as {"env": "NAME"}',
      };
    }
    if (scheme === 'file') {
      if (url.pathname === '' || url.pathname === '/') return { ok: false, message: 'file:// URL has no path' };
    } else {
      if (url.hostname === '') return { ok: false, message: 'URL has no host' };
      if (url.hostname.startsWith('-')) return { ok: false, message: 'URL host must not start with "-"' };
    }
    return { ok: true, repository: repo, isRemote: true };
  }

  const scp = SCP_LIKE.exec(repo);
  if (scp) {
    if (scp[3]!.startsWith('-')) return { ok: false, message: 'path after "host:" must not start with "-"' };
    return { ok: true, repository: repo, isRemote: true };
  }

  // git reads "name:rest" (colon before any slash) as an ssh host, so a local path must not look like one.
  const colon = repo.indexOf(':');
  const slash = repo.indexOf('/');
  if (!path.isAbsolute(repo) && colon >= 0 && (slash < 0 || colon < slash)) {
    return { ok: false, message: 'looks like "host:path": write user@host:path or ssh://… for a remote, or ./… for a local folder' };
  }
  return { ok: true, repository: path.resolve(cwd, repo), isRemote: false };
}
