/** Section names WordPress knows under another key. */
const ALIASES: Readonly<Record<string, string>> = {
  frequently_asked_questions: 'faq',
  change_log: 'changelog',
  changes: 'changelog',
  screenshot: 'screenshots',
  upgrade_notices: 'upgrade_notice',
};

/**
 * The key WordPress's plugins_api() uses for a section title: lowercase, runs of anything but
 * letters and digits → `_` (`Frequently Asked Questions` → `faq`, `Upgrade Notice` → `upgrade_notice`).
 * Empty when the title has no letters or digits.
 */
export function sectionKey(title: string): string {
  const key = title
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '_')
    .replace(/^_+|_+$/g, '');
  return Object.hasOwn(ALIASES, key) ? (ALIASES[key] ?? key) : key;
}
