/** What a projectSettings/<slug>.json file says, once validated and normalised. */
export type ProjectType = 'plugin' | 'theme';

/** One access rule: the request passes when every key the rule names matches. */
export interface AccessRule {
  apikey?: string[];
  branch?: string[];
  /** Exact addresses or CIDR ranges, IPv4 or IPv6. */
  ip?: string[];
}

/** A secret given by reference, never as a literal in a committed file. */
export type SecretRef = { env: string } | { file: string };

export interface RepositoryCredentials {
  /** https: user name (literal is fine) and a password/token read from the environment or a file. */
  username?: string;
  password?: SecretRef;
  /** ssh: private key file used through GIT_SSH_COMMAND. */
  sshKeyFile?: string;
}

export interface ProjectSettings {
  slug: string;
  /** Absolute path of the settings file this came from. */
  file: string;
  /**
   * A git URL as written (https, http, ssh, git, file, or scp-like user@host:path; never with a
   * password), or a local path made ABSOLUTE at load time (relative paths resolve against the
   * server's process.cwd()). Safe as a git positional argument: never starts with "-".
   */
  repository: string;
  /** True when `repository` is a URL (https, ssh, git@host:path, file://) mirrored into DATA_DIR. */
  isRemote: boolean;
  type: ProjectType;
  /** Branch used when a request names none; undefined = the repository's default branch. */
  branch?: string;
  /** File holding the WordPress header, relative to the repository root. */
  info: string;
  /** Explicit readme path; undefined = readme.md, then readme.txt (case-insensitive). */
  readme?: string;
  /** Top-level folder inside served zips. */
  folderName: string;
  /** "*" or the rules, normalised to lists. Request paths use ProjectRegistry.canAccess (precompiled), not this. */
  allowed: '*' | AccessRule[];
  /** Branches whose pre-release tags (1.3.0-beta.1) are served: the beta channels. */
  prereleaseBranches: string[];
  /** Resolved at load time from its SecretRef; undefined = webhooks refused for this project. */
  webhookSecret?: string;
  credentials?: { username?: string; password?: string; sshKeyFile?: string };
}

/** Why a settings file was not loaded: which file, which key, why. */
export interface SettingsProblem {
  file: string;
  slug?: string;
  key?: string;
  message: string;
}

/** Context of one API request, for access checks. */
export interface AccessRequest {
  apikey?: string;
  /** The effective branch: the requested one, or the project's default once resolved. */
  branch: string;
  /** Client address as the socket (or trusted proxy) reports it; `::ffff:a.b.c.d` counts as IPv4. */
  ip: string;
}

export type ProjectChange =
  | { kind: 'added' | 'changed'; project: ProjectSettings }
  /** `deleted`: the settings file is gone; `invalid`: it is still there but disabled by a mistake. */
  | { kind: 'removed'; slug: string; reason: 'deleted' | 'invalid' };
