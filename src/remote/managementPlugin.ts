/**
 * The management plugin must never be updated, deactivated or deleted from the panel: doing so
 * could cut the panel off from the site. It is any plugin whose folder — or, for a single-file
 * plugin, whose file name without `.php` — is `rakuwp` or starts with `rakuwp-`, compared
 * case-insensitively: `rakuwp/rakuwp.php`, `RakuWP/main.php`, `rakuwp-connector/x.php`,
 * `rakuwp.php`. Not: `rakuwpx/x.php`, `my-rakuwp/x.php`.
 */
export function isManagementPlugin(plugin: string): boolean {
  const slash = plugin.indexOf('/');
  const stem = (slash >= 0 ? plugin.slice(0, slash) : plugin.replace(/\.php$/i, '')).toLowerCase();
  return stem === 'rakuwp' || stem.startsWith('rakuwp-');
}
