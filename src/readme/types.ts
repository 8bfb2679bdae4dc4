import type { ParsedReadme } from '../releases/types.js';

/**
 * ParsedReadme plus the other readme header fields. Assignable to ParsedReadme.
 * Text fields are plain text (escape them before putting them into HTML); `sections` and `html` are sanitized HTML.
 */
export interface ReadmeDetails extends ParsedReadme {
  tags?: string[];
  stableTag?: string;
  license?: string;
  licenseUri?: string;
  donateLink?: string;
  /** The Upgrade Notice section per version, plain text (the `upgrade_notice` field of an update offer). */
  upgradeNotices?: Record<string, string>;
  /** Every header line as written, by lowercased name, including ones WordPress.org does not know ("requires plugins"). */
  headers: Record<string, string>;
}
