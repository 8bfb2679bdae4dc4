import { describe, expect, it } from 'vitest';
import { PLUGIN_BASENAME } from '../../src/remote/input.js';
import { isManagementPlugin } from '../../src/remote/managementPlugin.js';

describe('isManagementPlugin', () => {
  it.each(['rakuwp/rakuwp.php', 'RakuWP/RakuWP.php', 'rakuwp/other.php', 'rakuwp-connector/main.php', 'RAKUWP-X/x.php', 'rakuwp.php', 'rakuwp-helper.php'])(
    'protects %s',
    (plugin) => expect(isManagementPlugin(plugin)).toBe(true),
  );
  it.each(['akismet/akismet.php', 'rakuwpx/rakuwpx.php', 'my-rakuwp/my-rakuwp.php', 'x/rakuwp.php', 'rakuwp_tools/t.php', 'hello.php'])(
    'does not protect %s',
    (plugin) => expect(isManagementPlugin(plugin)).toBe(false),
  );
});

describe('PLUGIN_BASENAME', () => {
  it.each(['akismet/akismet.php', 'hello.php', 'My_Plugin-2/my.plugin.php'])('accepts %s', (p) => expect(PLUGIN_BASENAME.test(p)).toBe(true));
  it.each(['../x.php', 'a/../b.php', '/abs.php', 'a/b/c.php', '.hidden/x.php', 'akismet', 'a/b.PHP.txt', 'a b/c.php', 'a/b.php\n', ''])('refuses %j', (p) =>
    expect(PLUGIN_BASENAME.test(p)).toBe(false),
  );
});
