/** The example plugin served by the demo: a tiny real WordPress plugin, written out per version. */
export const DEMO_SLUG = 'hello-updates';

export function demoFiles(version: string, changelog: string[]): Record<string, string> {
  return {
    'hello-updates.php': `<?php
/**
 * Plugin Name: Hello Updates
 * Plugin URI: https://example.org/hello-updates
 * Description: Example plugin served by the self-hosted update server's demo.
 * Version: ${version}
 * Author: Example Author
 * Author URI: https://example.org
 * Requires at least: 6.0
 * Tested up to: 6.6
 * Requires PHP: 7.4
 * License: GPL-2.0-or-later
 * Text Domain: hello-updates
 */

defined( 'ABSPATH' ) || exit;

add_action( 'admin_notices', function () {
	echo '<div class="notice notice-info"><p>Hello Updates ${version}</p></div>';
} );
`,
    'readme.txt': `=== Hello Updates ===
Contributors: example
Tags: example, updates
Requires at least: 6.0
Tested up to: 6.6
Requires PHP: 7.4
Stable tag: ${version}
License: GPLv2 or later

Example plugin served by the self-hosted update server's demo.

== Description ==

Hello Updates shows a notice with its version, so you can watch WordPress update it.

== Installation ==

1. Upload the \`hello-updates\` folder to \`/wp-content/plugins/\`.
2. Activate the plugin.

== Frequently Asked Questions ==

= Where do updates come from? =

From the git tags of this repository, served by the update server.

== Changelog ==

${changelog.join('\n\n')}
`,
    '.gitattributes': 'tests/ export-ignore\n.wordpress-org/ export-ignore\n.gitattributes export-ignore\n',
    'tests/test-hello.php': '<?php // development-only file, left out of release zips by export-ignore\n',
    '.wordpress-org/icon.svg':
      '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 128 128"><rect width="128" height="128" fill="#2271b1"/><text x="64" y="80" font-size="56" text-anchor="middle" fill="#fff">H</text></svg>\n',
  };
}
