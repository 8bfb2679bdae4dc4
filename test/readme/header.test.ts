import { describe, expect, it } from 'vitest';
import { HEADER_SCAN_BYTES, parseWpHeader } from '../../src/readme/index.js';
import { pluginHeader, themeHeader } from '../helpers/git.js';

const PLUGIN_FILE = `<?php
/**
 * Plugin Name:       Acme Backup
 * Plugin URI:        https://example.org/acme-backup
 * Description:       Backs up your site.
 * Version:           1.1.0
 * Requires at least: 5.8
 * Tested up to:      6.5
 * Requires PHP:      7.4
 * Author:            Acme Co
 * Author URI:        https://example.org
 * License:           GPL v2 or later
 * Text Domain:       acme-backup
 * Update URI:        https://updates.example.org/acme-backup
 */

defined( 'ABSPATH' ) || exit;
$label = 'Version: 9.9.9';
`;

const THEME_CSS = [
  '/*',
  'Theme Name: Acme Dark',
  'Theme URI: https://example.org/themes/acme-dark',
  'Author: Acme Co',
  'Author URI: https://example.org',
  'Description: A dark theme.',
  'Requires at least: 6.1',
  'Tested up to: 6.5',
  'Requires PHP: 8.0',
  'Version: 2.0.0',
  'Text Domain: acme-dark',
  '*/',
  'body { color: #eee; }',
].join('\r\n');

describe('parseWpHeader', () => {
  it('reads every plugin header field', () => {
    expect(parseWpHeader(PLUGIN_FILE)).toEqual({
      name: 'Acme Backup',
      homepage: 'https://example.org/acme-backup',
      description: 'Backs up your site.',
      version: '1.1.0',
      requires: '5.8',
      tested: '6.5',
      requiresPhp: '7.4',
      author: 'Acme Co',
      authorUri: 'https://example.org',
      textDomain: 'acme-backup',
      updateUri: 'https://updates.example.org/acme-backup',
    });
  });

  it('reads a theme style.css with CRLF line endings', () => {
    expect(parseWpHeader(THEME_CSS)).toEqual({
      name: 'Acme Dark',
      homepage: 'https://example.org/themes/acme-dark',
      author: 'Acme Co',
      authorUri: 'https://example.org',
      description: 'A dark theme.',
      requires: '6.1',
      tested: '6.5',
      requiresPhp: '8.0',
      version: '2.0.0',
      textDomain: 'acme-dark',
    });
  });

  it('reads files with CR-only line endings and from a Buffer', () => {
    const text = '/*\rTheme Name: Old Mac\rVersion: 0.1\r*/\r';
    expect(parseWpHeader(text)).toEqual({ name: 'Old Mac', version: '0.1' });
    expect(parseWpHeader(Buffer.from(PLUGIN_FILE))).toEqual(parseWpHeader(PLUGIN_FILE));
  });

  it('reads the headers written by the test helpers', () => {
    expect(parseWpHeader(pluginHeader('Demo', '1.2.3', { 'Requires PHP': '8.1' }))).toEqual({
      name: 'Demo',
      version: '1.2.3',
      requiresPhp: '8.1',
    });
    expect(parseWpHeader(themeHeader('Demo Theme', '3.0.0'))).toEqual({ name: 'Demo Theme', version: '3.0.0' });
  });

  it('matches header names case-insensitively, with #, @ and // decoration', () => {
    const text = '<?php\n# plugin name: lower\n@VERSION: 4.0\n// requires php: 8.2\n';
    expect(parseWpHeader(text)).toEqual({ name: 'lower', version: '4.0', requiresPhp: '8.2' });
  });

  it('cuts values at */ and ?> as _cleanup_header_comment does', () => {
    expect(parseWpHeader('/* Theme Name: One Line */ body{}\n/* Version: 1.0*/')).toEqual({ name: 'One Line', version: '1.0' });
    expect(parseWpHeader('<?php // Plugin Name: Tiny ?>\n<?php /* Version:   2.5   ?> */')).toEqual({ name: 'Tiny', version: '2.5' });
  });

  it('takes the first occurrence and ignores names not at the start of a line', () => {
    // `$label = 'Version: 9.9.9'` in PLUGIN_FILE is not a header line; a second Version line is ignored.
    expect(parseWpHeader(`${PLUGIN_FILE}\n * Version: 7.0.0\n`).version).toBe('1.1.0');
    expect(parseWpHeader("<?php\n$x = 'Version: 9';\n")).toEqual({});
  });

  it('does not confuse Author with Author URI, and leaves out empty values', () => {
    expect(parseWpHeader('/*\nAuthor URI: https://a.example\nDescription:\nVersion:   \n*/')).toEqual({
      authorUri: 'https://a.example',
    });
  });

  it('needs the colon right after the name, like WordPress', () => {
    expect(parseWpHeader('/*\nPlugin Name : Spaced\nVersion 1.0\n*/')).toEqual({});
  });

  it('reads only the first 8 KiB, counted in bytes', () => {
    const padding = `/*\n${'x'.repeat(HEADER_SCAN_BYTES)}\n`;
    expect(parseWpHeader(`${padding}Plugin Name: Late\nVersion: 1.0\n*/`)).toEqual({});

    // 4096 two-byte characters fill the 8 KiB although they are only 4096 characters.
    const wide = `/*\nPlugin Name: Early\n${'é'.repeat(4096)}\nVersion: 1.0\n*/`;
    expect(parseWpHeader(wide)).toEqual({ name: 'Early' });

    // A header line that ends exactly at byte 8192 is still read.
    const line = 'Version: 1.0';
    const exact = `${'/'.repeat(HEADER_SCAN_BYTES - line.length - 1)}\n${line}`;
    expect(Buffer.byteLength(exact)).toBe(HEADER_SCAN_BYTES);
    expect(parseWpHeader(`${exact}9\n`)).toEqual({ version: '1.0' });
  });

  it('never throws on binary or empty input', () => {
    expect(parseWpHeader('')).toEqual({});
    expect(parseWpHeader(Buffer.from([0xff, 0xfe, 0x00, 0x0a, 0xc3]))).toEqual({});
  });
});
