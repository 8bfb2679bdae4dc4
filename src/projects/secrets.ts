import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { SecretRef } from './types.js';

/**
 * Secrets in settings files are references: `{"env": "NAME"}` or `{"file": "/abs/path"}`,
 * resolved when the file is loaded. Messages name the reference, never the secret.
 */
/** A message for a wrong type only; other issues (unknown keys, …) keep zod's own message. */
export const typeOnly = (message: string) => (issue: { code?: string }) =>
  issue.code === 'invalid_type' ? message : undefined;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_SECRET_FILE_BYTES = 64 * 1024;

export const SecretRefSchema = z
  .strictObject(
    {
      env: z.string().regex(ENV_NAME, 'must be an environment variable name ([A-Za-z_][A-Za-z0-9_]*)').optional(),
      file: z
        .string()
        .refine((f) => path.isAbsolute(f) && !/[\x00-\x1f]/.test(f), 'must be an absolute file path')
        .optional(),
    },
    { error: typeOnly('must be {"env": "NAME"} or {"file": "/absolute/path"}') },
  )
  .refine((ref) => (ref.env === undefined) !== (ref.file === undefined), 'must give exactly one of "env" or "file"')
  .transform((ref): SecretRef => (ref.env !== undefined ? { env: ref.env } : { file: ref.file! }));

export type SecretResolution = { ok: true; value: string } | { ok: false; message: string };

/** Reads the secret a reference points at. A missing or empty secret is a problem, not an empty string. */
export function resolveSecretRef(ref: SecretRef, env: NodeJS.ProcessEnv): SecretResolution {
  if ('env' in ref) {
    const value = env[ref.env];
    if (value === undefined) return { ok: false, message: `environment variable ${ref.env} is not set` };
    if (value === '') return { ok: false, message: `environment variable ${ref.env} is empty` };
    return { ok: true, value };
  }
  let text: string;
  try {
    const stat = fs.statSync(ref.file);
    if (!stat.isFile()) return { ok: false, message: `secret file ${ref.file} is not a regular file` };
    if (stat.size > MAX_SECRET_FILE_BYTES) return { ok: false, message: `secret file ${ref.file} is larger than 64 KiB` };
    text = fs.readFileSync(ref.file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    return { ok: false, message: `cannot read secret file ${ref.file} (${code})` };
  }
  // Files written by editors and `echo` end with a newline that is not part of the secret.
  const value = text.replace(/\r?\n$/, '');
  if (value === '') return { ok: false, message: `secret file ${ref.file} is empty` };
  return { ok: true, value };
}
