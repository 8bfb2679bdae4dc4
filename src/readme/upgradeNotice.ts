import { FenceTracker, subheadingTitle } from './lines.js';
import { markdownToText } from './markdown.js';

/** `### 1.2.0` … `###### 1.2.0` (readme.md sub-headings) */
const MD_SUBHEADING = /^[ \t]*#{3,6}[ \t]*([^#\s](?:.*?[^#\s])?)(?:[ \t]+#+)?[ \t]*$/;

/**
 * The Upgrade Notice section split per version (`= 1.2.0 =` or `### 1.2.0`), as plain text:
 * WordPress shows `upgrade_notice` as text in the update row (it strips tags).
 */
export function parseUpgradeNotices(body: string): Record<string, string> {
  // A Map, so a version written as `__proto__` is just a key.
  const notices = new Map<string, string>();
  const fences = new FenceTracker();
  let version: string | undefined;
  let text: string[] = [];
  const flush = (): void => {
    if (version === undefined) return;
    const notice = markdownToText(text.join('\n'));
    if (notice !== '') notices.set(version, notice);
  };
  for (const line of body.split('\n')) {
    const heading = fences.inFence(line) ? undefined : (subheadingTitle(line) ?? MD_SUBHEADING.exec(line)?.[1]);
    if (heading !== undefined) {
      flush();
      version = heading;
      text = [];
    } else {
      text.push(line);
    }
  }
  flush();
  return Object.fromEntries(notices);
}
