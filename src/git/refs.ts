/**
 * Names that may reach git. Anything from a request or a settings file is checked here
 * first, so it can never be read as an option (`--upload-pack=…`) or walk out of refs/.
 */
const SAFE_REF = /^[A-Za-z0-9_][A-Za-z0-9._/+-]*$/;

/** A branch or tag name that is both valid for git and harmless on a command line. */
export function isSafeRefName(name: unknown): name is string {
  if (typeof name !== 'string' || name.length === 0 || name.length > 200) return false;
  if (!SAFE_REF.test(name)) return false;
  if (name.includes('..') || name.includes('//') || name.includes('/.')) return false;
  if (name.endsWith('/') || name.endsWith('.') || name.endsWith('.lock')) return false;
  return true;
}

const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/** A full object id (SHA-1 or SHA-256), as git prints it. */
export function isSha(value: unknown): value is string {
  return typeof value === 'string' && SHA.test(value);
}

export function assertSha(value: string): string {
  if (!isSha(value)) throw new Error(`not a full object id: ${JSON.stringify(value)}`);
  return value;
}
