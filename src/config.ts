import path from 'node:path';
import { z } from 'zod';

/**
 * Every setting the server reads from the environment, validated once at start.
 * A bad value stops the server with a message naming the variable and the reason.
 */
const boolean = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const EnvSchema = z.object({
  PORT: int(0, 65535).default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  PUBLIC_URL: z
    .url({ protocol: /^https?$/ })
    .refine((u) => !/[?#]/.test(u), 'must not have a query string or fragment: links are built by appending to it')
    .optional(),
  PROJECT_SETTINGS_DIR: z.string().min(1).default('./projectSettings'),
  ARCHIVES_DIR: z.string().min(1).default('./archives'),
  DATA_DIR: z.string().min(1).default('./data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** postgres://… to share the panel between instances; unset = embedded SQLite in DATA_DIR. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  /** 32-byte key (hex or base64) that encrypts site secrets at rest. Unset: generated once into DATA_DIR/secret.key. */
  SECRET_KEY: z.string().min(1).optional(),
  ADMIN_USER: z.string().min(1).optional(),
  ADMIN_PASSWORD: z.string().min(8, 'must be at least 8 characters').optional(),
  /** Seed and serve the example project (data/demo) when its settings file is present. */
  DEMO: boolean.default(true),
  /** How often remote and local repositories are re-read when no webhook arrives. */
  POLL_INTERVAL_SECONDS: int(0, 86_400).default(300),
  /** Versions of each branch whose zips are kept in ARCHIVES_DIR. */
  ARCHIVE_KEEP_VERSIONS: int(1, 1000).default(5),
  /** Sites called at once by a bulk remote update. */
  REMOTE_CONCURRENCY: int(1, 256).default(8),
  REMOTE_TIMEOUT_MS: int(100, 600_000).default(30_000),
  /** Let the panel call sites on loopback / private addresses (for LANs and tests). */
  ALLOW_PRIVATE_SITES: boolean.default(false),
  /** Let the panel send license keys and multisite credentials to http:// sites (in clear text). */
  ALLOW_HTTP_SITES: boolean.default(false),
  /**
   * Reverse proxies in front of the server: false/0 (none), true (one), or their number. The
   * client address is the entry that many places from the right of X-Forwarded-For: entries
   * further left were written by the client and prove nothing.
   */
  TRUST_PROXY: z
    .union([boolean, int(0, 16)], { error: 'must be true, false or the number of proxies in front (0-16)' })
    .default(false)
    .transform((v) => (v === true ? 1 : v === false ? 0 : v)),
});

export type Env = z.infer<typeof EnvSchema>;

export interface Config {
  port: number;
  host: string;
  /** Absolute base URL, no trailing slash, for every link handed out. */
  publicUrl: string;
  projectSettingsDir: string;
  archivesDir: string;
  dataDir: string;
  logLevel: Env['LOG_LEVEL'];
  databaseUrl?: string;
  secretKey?: string;
  adminUser?: string;
  adminPassword?: string;
  demo: boolean;
  pollIntervalSeconds: number;
  archiveKeepVersions: number;
  remoteConcurrency: number;
  remoteTimeoutMs: number;
  allowPrivateSites: boolean;
  /** Secrets (X-RakuWP-Key, multisite User / Password) may go to http:// sites. */
  allowHttpSites: boolean;
  /** Proxy hops whose X-Forwarded-* headers are trusted (0: none). */
  trustProxy: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads and validates the configuration; `overrides` lets tests and the CLI set values directly. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  const host = e.HOST;
  const linkHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  const config: Config = {
    port: e.PORT,
    host,
    publicUrl: (e.PUBLIC_URL ?? `http://${linkHost}:${e.PORT}`).replace(/\/+$/, ''),
    projectSettingsDir: path.resolve(e.PROJECT_SETTINGS_DIR),
    archivesDir: path.resolve(e.ARCHIVES_DIR),
    dataDir: path.resolve(e.DATA_DIR),
    logLevel: e.LOG_LEVEL,
    databaseUrl: e.DATABASE_URL,
    secretKey: e.SECRET_KEY,
    adminUser: e.ADMIN_USER,
    adminPassword: e.ADMIN_PASSWORD,
    demo: e.DEMO,
    pollIntervalSeconds: e.POLL_INTERVAL_SECONDS,
    archiveKeepVersions: e.ARCHIVE_KEEP_VERSIONS,
    remoteConcurrency: e.REMOTE_CONCURRENCY,
    remoteTimeoutMs: e.REMOTE_TIMEOUT_MS,
    allowPrivateSites: e.ALLOW_PRIVATE_SITES,
    allowHttpSites: e.ALLOW_HTTP_SITES,
    trustProxy: e.TRUST_PROXY,
    ...overrides,
  };
  if ((config.adminUser === undefined) !== (config.adminPassword === undefined)) {
    throw new ConfigError(['ADMIN_USER and ADMIN_PASSWORD must be set together']);
  }
  return config;
}
