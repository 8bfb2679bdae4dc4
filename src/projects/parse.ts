import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { isSafeRefName } from '../git/refs.js';
import { parseIpRange } from './ip.js';
import { parseJsonWithComments } from './json.js';
import { checkFolderName, checkRepoRelativePath } from './paths.js';
import { checkRepository } from './repository.js';
import { resolveSecretRef, SecretRefSchema, typeOnly } from './secrets.js';
import { isValidSlug } from './slug.js';
import type { AccessRule, ProjectSettings, ProjectType, SettingsProblem } from './types.js';

/**
 * projectSettings/<slug>.json → ProjectSettings, or every problem found (file, key, why).
 * Secrets are resolved here, at load time, so a request never reads the environment or disk.
 */
export interface ParseOptions {
  /** Path of the settings file; its name gives the slug. */
  file: string;
  /** Where `{"env": …}` secrets are looked up (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Base for relative local repository paths (default process.cwd()). */
  cwd?: string;
}

export type ParseResult =
  | { ok: true; settings: ProjectSettings; warnings: SettingsProblem[] }
  | { ok: false; problems: SettingsProblem[]; warnings: SettingsProblem[] };

/** Settings files above this size are refused unread. */
export const MAX_SETTINGS_FILE_BYTES = 1024 * 1024;

export const KNOWN_KEYS = [
  'repository',
  'type',
  'branch',
  'info',
  'readme',
  'folderName',
  'allowed',
  'prereleaseBranches',
  'webhookSecret',
  'credentials',
] as const;

const CONTROL = /[\x00-\x1f\x7f]/;

const refName = z
  .string({ error: 'must be a string' })
  .refine(isSafeRefName, 'is not a safe branch name (letters, digits and ._/+- only; no "..", no leading "-" or ".")');

/** A string or a non-empty list of strings, normalised to a list (the original format allows both). */
const stringList = <T extends z.ZodType<string>>(item: T) =>
  z.preprocess(
    (v) => (typeof v === 'string' ? [v] : v),
    z.array(item, { error: 'must be a string or a list of strings' }).min(1, 'must not be an empty list'),
  );

const ipEntry = z.string({ error: 'must be a string' }).superRefine((entry, ctx) => {
  const range = parseIpRange(entry);
  if (typeof range === 'string') ctx.addIssue({ code: 'custom', message: range });
});

const AccessRuleSchema = z
  .strictObject(
    {
      apikey: stringList(z.string({ error: 'must be a string' }).min(1, 'must not be empty')).optional(),
      branch: stringList(refName).optional(),
      ip: stringList(ipEntry).optional(),
    },
    { error: typeOnly('must be a rule object {apikey, branch, ip}') },
  )
  .refine(
    (rule) => rule.apikey !== undefined || rule.branch !== undefined || rule.ip !== undefined,
    'a rule must name at least one of apikey, branch, ip (use "*" to allow everyone)',
  );

const CredentialsSchema = z.strictObject(
  {
    username: z
      .string({ error: 'must be a string' })
      .min(1, 'must not be empty')
      .refine((u) => !/[\s\x00-\x1f\x7f]/.test(u), 'must not contain spaces or control characters')
      .optional(),
    password: z.unknown().optional(),
    sshKeyFile: z
      .string({ error: 'must be a string' })
      .refine(path.isAbsolute, 'must be an absolute path')
      // It ends up in GIT_SSH_COMMAND, which a shell reads: plain path characters only.
      .refine((f) => /^\/[A-Za-z0-9._+@/-]*$/.test(f), 'must contain only letters, digits and ._+@/- characters')
      .optional(),
  },
  { error: typeOnly('must be an object {username, password, sshKeyFile}') },
);

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** The slug a settings file stands for: its name without `.json`. */
export function slugFromFile(file: string): string {
  return path.basename(file).replace(/\.json$/, '');
}

/** Parses and validates the text of one settings file. Never throws for bad input. */
export function parseSettings(text: string, options: ParseOptions): ParseResult {
  const file = path.resolve(options.file);
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const base = path.basename(file);
  const slug = slugFromFile(file);
  const problems: SettingsProblem[] = [];
  const warnings: SettingsProblem[] = [];
  const fail = () => ({ ok: false as const, problems, warnings });

  if (!base.endsWith('.json') || !isValidSlug(slug)) {
    problems.push({
      file,
      message: `file name "${base}" is not <slug>.json with a valid slug (lowercase letters, digits, ".", "_", "-"; starting with a letter or digit; at most 100 characters; no "..")`,
    });
    return fail();
  }
  const problem = (key: string | undefined, message: string) => problems.push({ file, slug, key, message });
  const warning = (key: string | undefined, message: string) => warnings.push({ file, slug, key, message });

  /** Runs a schema on one key's value; its issues become problems named `key.sub.path`. */
  const check = <T>(key: string, schema: z.ZodType<T>, value: unknown): T | undefined => {
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    for (const issue of result.error.issues) {
      problem([key, ...issue.path.map(String)].join('.'), issue.message);
    }
    return undefined;
  };

  const json = parseJsonWithComments(text);
  if (!json.ok) {
    problem(undefined, json.message);
    return fail();
  }
  if (!isPlainObject(json.value)) {
    problem(undefined, `must contain a JSON object, not ${describe(json.value)}`);
    return fail();
  }
  const raw = json.value;

  for (const key of Object.keys(raw)) {
    if (!(KNOWN_KEYS as readonly string[]).includes(key)) {
      warning(key, `unknown key "${key}" is ignored (known keys: ${KNOWN_KEYS.join(', ')})`);
    }
  }

  // repository (required)
  let repository: string | undefined;
  let isRemote = false;
  if (raw.repository === undefined) problem('repository', 'is required: the path or git URL of the project repository');
  else {
    const value = check('repository', z.string({ error: 'must be a string (a path or git URL)' }), raw.repository);
    if (value !== undefined) {
      const repo = checkRepository(value, cwd);
      if (repo.ok) ({ repository, isRemote } = repo);
      else problem('repository', repo.message);
    }
  }

  const type = raw.type === undefined ? undefined : check('type', z.enum(['plugin', 'theme'], { error: 'must be "plugin" or "theme"' }), raw.type);
  const branch = raw.branch === undefined ? undefined : check('branch', refName, raw.branch);

  const relativePath = (key: 'info' | 'readme'): string | undefined => {
    if (raw[key] === undefined) return undefined;
    const value = check(key, z.string({ error: 'must be a string (a path inside the repository)' }), raw[key]);
    if (value === undefined) return undefined;
    const checked = checkRepoRelativePath(value);
    if (checked.ok) return checked.value;
    problem(key, checked.message);
    return undefined;
  };
  const info = relativePath('info');
  const readme = relativePath('readme');

  let folderName = slug;
  if (raw.folderName !== undefined) {
    const value = check('folderName', z.string({ error: 'must be a string' }), raw.folderName);
    if (value !== undefined) {
      const checked = checkFolderName(value);
      if (checked.ok) folderName = checked.value;
      else problem('folderName', checked.message);
    }
  }

  const allowed = parseAllowed(raw.allowed, check, problem);

  const prereleaseBranches =
    raw.prereleaseBranches === undefined ? [] : check('prereleaseBranches', stringList(refName), raw.prereleaseBranches);

  // webhookSecret: a reference; a literal still works (so a quick setup is possible) but is warned about.
  let webhookSecret: string | undefined;
  if (typeof raw.webhookSecret === 'string') {
    if (raw.webhookSecret === '' || CONTROL.test(raw.webhookSecret)) {
      problem('webhookSecret', 'must not be empty or contain control characters');
    } else {
      webhookSecret = raw.webhookSecret;
      warning('webhookSecret', 'is a literal in the settings file: put secrets in the environment ({"env": "NAME"}) or a file ({"file": "/abs/path"})');
    }
  } else if (raw.webhookSecret !== undefined) {
    const ref = check('webhookSecret', SecretRefSchema, raw.webhookSecret);
    if (ref) {
      const secret = resolveSecretRef(ref, env);
      if (secret.ok) webhookSecret = secret.value;
      else problem('webhookSecret', secret.message);
    }
  }

  let credentials: ProjectSettings['credentials'];
  if (raw.credentials !== undefined) {
    const creds = check('credentials', CredentialsSchema, raw.credentials);
    if (creds) {
      const out: NonNullable<ProjectSettings['credentials']> = {};
      if (creds.username !== undefined) out.username = creds.username;
      if (typeof creds.password === 'string') {
        problem(
          'credentials.password',
          'a literal password is refused (never put credentials in a committed file): use {"env": "NAME"} or {"file": "/abs/path"}',
        );
      } else if (creds.password !== undefined) {
        const ref = check('credentials.password', SecretRefSchema, creds.password);
        if (ref) {
          const secret = resolveSecretRef(ref, env);
          if (secret.ok) out.password = secret.value;
          else problem('credentials.password', secret.message);
        }
      }
      if (creds.sshKeyFile !== undefined) {
        const readable = checkReadableFile(creds.sshKeyFile);
        if (readable === true) out.sshKeyFile = creds.sshKeyFile;
        else problem('credentials.sshKeyFile', readable);
      }
      if (Object.keys(out).length > 0) credentials = out;
    }
  }
  if (credentials && repository !== undefined && !isRemote) {
    warning('credentials', 'credentials are ignored for a local repository');
  }

  if (problems.length > 0 || repository === undefined || allowed === undefined || prereleaseBranches === undefined) {
    return fail();
  }

  // The original project decided the type from the info file: a .css header file means a theme.
  const resolvedType: ProjectType = type ?? (info !== undefined && /\.css$/i.test(info) ? 'theme' : 'plugin');
  const settings: ProjectSettings = {
    slug,
    file,
    repository,
    isRemote,
    type: resolvedType,
    info: info ?? (resolvedType === 'theme' ? 'style.css' : `${slug}.php`),
    folderName,
    allowed,
    prereleaseBranches: [...new Set(prereleaseBranches)],
  };
  if (branch !== undefined) settings.branch = branch;
  if (readme !== undefined) settings.readme = readme;
  if (webhookSecret !== undefined) settings.webhookSecret = webhookSecret;
  if (credentials !== undefined) settings.credentials = credentials;
  return { ok: true, settings, warnings };
}

/** `allowed`: "*" (default), a list of rules, or the original's single rule object. */
function parseAllowed(
  value: unknown,
  check: <T>(key: string, schema: z.ZodType<T>, value: unknown) => T | undefined,
  problem: (key: string, message: string) => void,
): ProjectSettings['allowed'] | undefined {
  if (value === undefined || value === '*') return '*';
  const asList = Array.isArray(value);
  if (!asList && !isPlainObject(value)) {
    problem('allowed', `must be "*" or a list of rules {apikey, branch, ip}, not ${typeof value === 'string' ? JSON.stringify(value) : describe(value)}`);
    return undefined;
  }
  const rules: AccessRule[] = [];
  let valid = true;
  (asList ? (value as unknown[]) : [value]).forEach((item, i) => {
    const rule = check(asList ? `allowed.${i}` : 'allowed', AccessRuleSchema, item);
    if (rule === undefined) valid = false;
    else {
      const out: AccessRule = {};
      if (rule.apikey) out.apikey = rule.apikey;
      if (rule.branch) out.branch = rule.branch;
      if (rule.ip) out.ip = rule.ip;
      rules.push(out);
    }
  });
  return valid ? rules : undefined;
}

function checkReadableFile(file: string): true | string {
  try {
    // Sync on purpose: parsing runs at load time only, and the key must exist before git needs it.
    if (!fsSync.statSync(file).isFile()) return `${file} is not a regular file`;
    fsSync.accessSync(file, fsSync.constants.R_OK);
    return true;
  } catch (err) {
    return `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`;
  }
}

/** Reads a settings file from disk and parses it; a missing or unreadable file is a problem. */
export async function readSettingsFile(file: string, options: Omit<ParseOptions, 'file'> = {}): Promise<ParseResult> {
  const abs = path.resolve(file);
  const slug = slugFromFile(abs);
  if (!isValidSlug(slug) || !abs.endsWith('.json')) return parseSettings('', { ...options, file: abs });
  try {
    const stat = await fs.stat(abs);
    if (!stat.isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
    if (stat.size > MAX_SETTINGS_FILE_BYTES) {
      return { ok: false, problems: [{ file: abs, slug, message: 'file is larger than 1 MiB' }], warnings: [] };
    }
    return parseSettings(await fs.readFile(abs, 'utf8'), { ...options, file: abs });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    return { ok: false, problems: [{ file: abs, slug, message: `cannot read the file (${code})` }], warnings: [] };
  }
}
