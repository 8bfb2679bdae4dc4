import { createHash, timingSafeEqual } from 'node:crypto';
import net from 'node:net';
import { normaliseIp, parseIpRange } from './ip.js';
import type { AccessRequest, AccessRule, ProjectSettings } from './types.js';

/** A precompiled `allowed` setting: built once per settings load, called once per request. */
export type AccessChecker = (req: AccessRequest) => boolean;

interface CompiledRule {
  /** SHA-256 of each accepted key: equal-length digests for timingSafeEqual. */
  keyDigests?: Buffer[];
  branches?: Set<string>;
  ips?: net.BlockList;
}

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest();

function compileRule(rule: AccessRule): CompiledRule {
  const compiled: CompiledRule = {};
  if (rule.apikey) compiled.keyDigests = rule.apikey.map(sha256);
  if (rule.branch) compiled.branches = new Set(rule.branch);
  if (rule.ip) {
    const list = new net.BlockList();
    for (const entry of rule.ip) {
      const range = parseIpRange(entry);
      // parse.ts validated every entry; a bad one here is a programming error, so fail loudly at load.
      if (typeof range === 'string') throw new Error(`invalid ip rule: ${range}`);
      if (range.prefix === undefined) list.addAddress(range.address, range.family);
      else list.addSubnet(range.address, range.prefix, range.family);
    }
    compiled.ips = list;
  }
  return compiled;
}

/** Every accepted key is compared, so the time taken does not say which one (or whether one) matched. */
function keyMatches(digests: Buffer[], requestDigest: Buffer): boolean {
  let matched = false;
  for (const digest of digests) matched = timingSafeEqual(digest, requestDigest) || matched;
  return matched;
}

/**
 * Compiles `allowed`: `"*"` lets everyone in; otherwise a request passes when any rule
 * matches on every key that rule names (keys AND within a rule, rules OR between them).
 */
export function compileAccess(allowed: ProjectSettings['allowed']): AccessChecker {
  if (allowed === '*') return () => true;
  const rules = allowed.map(compileRule);
  return (req) => {
    const hasKey = typeof req.apikey === 'string' && req.apikey.length > 0;
    const requestDigest = sha256(hasKey ? req.apikey! : '');
    const ip = normaliseIp(req.ip ?? '');
    let allowedByAny = false;
    for (const rule of rules) {
      let ok = true;
      // No early exit on a failed key: the key comparison runs for every rule that names keys.
      if (rule.keyDigests) ok = keyMatches(rule.keyDigests, requestDigest) && hasKey && ok;
      if (rule.branches) ok = ok && rule.branches.has(req.branch);
      if (rule.ips) ok = ok && ip !== undefined && rule.ips.check(ip.address, ip.family);
      allowedByAny = ok || allowedByAny;
    }
    return allowedByAny;
  };
}

/** One-off check (compiles each call). Request paths use the checker held by the registry instead. */
export function isAllowed(allowed: ProjectSettings['allowed'], req: AccessRequest): boolean {
  return compileAccess(allowed)(req);
}
