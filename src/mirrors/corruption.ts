import { GitError } from '../git/runner.js';
import { maskUrl } from '../logger.js';

/**
 * git messages that mean the local mirror is damaged (not that the remote is unreachable or
 * refuses us): only these make the mirror be re-cloned. "does not appear to be a git
 * repository" is the remote's problem and deliberately does not match.
 */
const CORRUPTION = [
  /not a git repository/i,
  /bad object/i,
  /is corrupt/i,
  /corrupt (loose|pack)/i,
  /missing (blob|tree|commit|tag|object)/i,
  /did not send all necessary objects/i,
  /unable to read [0-9a-f]{7,}/i,
  /does not point to a valid object/i,
  /invalid sha1 pointer/i,
  /unable to parse object/i,
  /packfile .* cannot be accessed/i,
  /bad (tree|commit) object/i,
  /object file .* is empty/i,
  /unable to unpack/i,
  /inflate: data stream error/i,
];

/** A failed git step on a mirror, with a message that says why (masked) and whether the mirror is damaged. */
export class MirrorError extends Error {
  constructor(
    message: string,
    readonly corrupt: boolean,
  ) {
    super(maskUrl(message));
    this.name = 'MirrorError';
  }

  /** Wraps a git failure: the useful lines of git's stderr ("fatal: …", "error: …"), masked. */
  static from(action: string, err: unknown): MirrorError {
    const stderr = err instanceof GitError ? err.stderr : '';
    const lines = stderr
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => /^(fatal|error):/.test(l));
    const why = [...new Set(lines)].join('; ') || (err instanceof Error ? err.message : String(err));
    return new MirrorError(`${action} failed: ${why.slice(0, 1000)}`, isCorruptionText(`${stderr}\n${err instanceof Error ? err.message : ''}`));
  }
}

export function isCorruptionError(err: unknown): boolean {
  if (err instanceof MirrorError) return err.corrupt;
  const text = err instanceof GitError ? `${err.message}\n${err.stderr}` : err instanceof Error ? err.message : String(err);
  return isCorruptionText(text);
}

function isCorruptionText(text: string): boolean {
  return CORRUPTION.some((re) => re.test(text));
}
