import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ParsedReadme } from '../../src/releases/types.js';
import { parseReadme, sectionKey } from '../../src/readme/index.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const README_TXT = fs.readFileSync(path.join(fixtures, 'readme.txt'), 'utf8');
const README_MD = fs.readFileSync(path.join(fixtures, 'readme.md'), 'utf8');

const LINK = 'rel="nofollow noopener noreferrer" target="_blank"';

describe('parseReadme: readme.txt', () => {
  const readme = parseReadme(README_TXT, 'txt');

  it('reads the name and every header field', () => {
    expect(readme.name).toBe('Acme Backup');
    expect(readme.contributors).toEqual(['acmeco', 'jdoe']);
    expect(readme.tags).toEqual(['backup', 'restore', 'cron']);
    expect(readme.requires).toBe('5.8');
    expect(readme.tested).toBe('6.5');
    expect(readme.requiresPhp).toBe('7.4');
    expect(readme.stableTag).toBe('1.1.0');
    expect(readme.license).toBe('GPLv2 or later');
    expect(readme.licenseUri).toBe('https://www.gnu.org/licenses/gpl-2.0.html');
    expect(readme.donateLink).toBe('https://example.org/donate');
    expect(readme.headers).toEqual({
      'contributors': 'acmeco, jdoe',
      'donate link': 'https://example.org/donate',
      'tags': 'backup, restore, cron',
      'requires at least': '5.8',
      'tested up to': '6.5',
      'requires php': '7.4',
      'stable tag': '1.1.0',
      'license': 'GPLv2 or later',
      'license uri': 'https://www.gnu.org/licenses/gpl-2.0.html',
    });
  });

  it('takes the first paragraph after the headers as plain-text short description', () => {
    expect(readme.shortDescription).toBe('Back up your site to any storage & restore it in one click.');
  });

  it('renders each section under the key WordPress uses', () => {
    expect(Object.keys(readme.sections)).toEqual(['description', 'installation', 'faq', 'changelog', 'upgrade_notice']);
    expect(readme.sections.description).toBe(
      '<p>Acme Backup copies your database and uploads on a schedule.</p>\n' +
        '<ul>\n<li>Daily or weekly schedules</li>\n<li>Restore with one click</li>\n</ul>\n' +
        `<p>See <a href="https://example.org/docs" ${LINK}>the docs</a> for details.</p>`,
    );
    expect(readme.sections.installation).toBe(
      '<ol>\n<li>Upload the <code>acme-backup</code> folder to <code>/wp-content/plugins/</code>.</li>\n' +
        "<li>Activate the plugin through the 'Plugins' menu.</li>\n</ol>",
    );
    expect(readme.sections.faq).toBe(
      '<h4>Where are backups stored?</h4>\n<p>In <code>wp-content/uploads/acme-backup</code>.</p>\n' +
        '<h4>Can I restore to another site?</h4>\n<p>Yes.</p>',
    );
    expect(readme.sections.changelog).toBe(
      '<h4>1.1.0</h4>\n<ul>\n<li>Added weekly schedules.</li>\n<li>Fixed a timeout on large databases.</li>\n</ul>\n' +
        '<h4>1.0.0</h4>\n<ul>\n<li>First release.</li>\n</ul>',
    );
    expect(readme.sections.upgrade_notice).toBe(
      '<h4>1.1.0</h4>\n<p>Fixes a timeout on <strong>large</strong> databases. Upgrade recommended.</p>\n' +
        '<h4>1.0.0</h4>\n<p>First release.</p>',
    );
  });

  it('splits the upgrade notice per version as plain text', () => {
    expect(readme.upgradeNotices).toEqual({
      '1.1.0': 'Fixes a timeout on large databases. Upgrade recommended.',
      '1.0.0': 'First release.',
    });
  });

  it('renders the whole readme: intro, then each section under an h2 with its own title', () => {
    expect(readme.html).toBe(
      [
        '<p>Back up your site to <strong>any</strong> storage &amp; restore it in one click.</p>',
        '<p>This second paragraph is not part of the short description.</p>',
        `<h2>Description</h2>\n${readme.sections.description}`,
        `<h2>Installation</h2>\n${readme.sections.installation}`,
        `<h2>Frequently Asked Questions</h2>\n${readme.sections.faq}`,
        `<h2>Changelog</h2>\n${readme.sections.changelog}`,
        `<h2>Upgrade Notice</h2>\n${readme.sections.upgrade_notice}`,
      ].join('\n'),
    );
  });

  it('gives the same result for CRLF and CR line endings', () => {
    expect(parseReadme(README_TXT.replace(/\n/g, '\r\n'), 'txt')).toEqual(readme);
    expect(parseReadme(`\uFEFF${README_TXT.replace(/\n/g, '\r')}`, 'txt')).toEqual(readme);
  });

  it('is assignable to the ParsedReadme contract', () => {
    const contract: ParsedReadme = readme;
    expect(contract.sections.faq).toContain('<h4>');
  });
});

describe('parseReadme: readme.md', () => {
  const readme = parseReadme(README_MD, 'md');

  it('reads `# Name #` and **bold** header lines before the first ## section', () => {
    expect(readme.name).toBe('Acme Gallery');
    expect(readme.contributors).toEqual(['acmeco', 'jdoe']);
    expect(readme.tags).toEqual(['gallery', 'images']);
    expect(readme.requires).toBe('6.0');
    expect(readme.tested).toBe('6.5');
    expect(readme.requiresPhp).toBe('8.0');
    expect(readme.stableTag).toBe('2.0.0');
    expect(readme.license).toBe('GPLv2 or later');
    expect(readme.shortDescription).toBe('A fast, accessible image gallery block.');
  });

  it('splits ## sections (not ## lines inside code) and maps FAQ to faq', () => {
    expect(Object.keys(readme.sections)).toEqual(['description', 'faq', 'changelog', 'upgrade_notice']);
    expect(readme.sections.description).toBe(
      '<p>Acme Gallery adds a <strong>gallery</strong> block.</p>\n' +
        '<pre><code class="language-php">## not a section\n' +
        "add_filter( 'acme_gallery_columns', fn() =&gt; 4 );\n</code></pre>\n" +
        '<table>\n<thead>\n<tr>\n<th>Option</th>\n<th>Default</th>\n</tr>\n</thead>\n' +
        '<tbody><tr>\n<td>columns</td>\n<td>3</td>\n</tr>\n</tbody></table>',
    );
    expect(readme.sections.faq).toBe('<h3>Does it lazy-load images?</h3>\n<p>Yes, with <code>loading="lazy"</code>.</p>');
    expect(readme.sections.changelog).toBe('<h3>2.0.0</h3>\n<ul>\n<li>New block editor UI.</li>\n</ul>');
    expect(readme.upgradeNotices).toEqual({ '2.0.0': 'Requires WordPress 6.0.' });
  });

  it('keeps header lines out of the rendered intro', () => {
    expect(readme.html.startsWith('<p>A fast, accessible image gallery block.</p>\n<h2>Description</h2>\n')).toBe(true);
    expect(readme.html).not.toContain('Contributors');
  });

  it('reads plain `Name: value` header lines and `=== Name ===` too', () => {
    const md = '=== Plain ===\n\nRequires at least: 5.0\nRequires PHP: 7.2\n\nShort one.\n\n## Changelog\n\n= 1.0 =\n* Init\n';
    const readme = parseReadme(md, 'md');
    expect(readme.name).toBe('Plain');
    expect(readme.requires).toBe('5.0');
    expect(readme.requiresPhp).toBe('7.2');
    expect(readme.shortDescription).toBe('Short one.');
    expect(readme.sections).toEqual({ changelog: '<h4>1.0</h4>\n<ul>\n<li>Init</li>\n</ul>' });
  });

  it('maps "Frequently Asked Questions" and "Other Notes" headings', () => {
    const md = '# X\n\n## Frequently Asked Questions\n\nQ\n\n## Other Notes\n\nN\n';
    expect(parseReadme(md, 'md').sections).toEqual({ faq: '<p>Q</p>', other_notes: '<p>N</p>' });
  });
});

describe('parseReadme: structure rules', () => {
  it('maps section titles to plugins_api keys', () => {
    expect(sectionKey('Frequently Asked Questions')).toBe('faq');
    expect(sectionKey('FAQ')).toBe('faq');
    expect(sectionKey('Upgrade Notice')).toBe('upgrade_notice');
    expect(sectionKey('Other Notes')).toBe('other_notes');
    expect(sectionKey('Change Log')).toBe('changelog');
    expect(sectionKey('Screenshot')).toBe('screenshots');
    expect(sectionKey('Privacy & GDPR')).toBe('privacy_gdpr');
    expect(sectionKey('Über uns')).toBe('über_uns');
    expect(sectionKey('***')).toBe('');
  });

  it('ends the readme.txt header block at an unknown name after a blank line (it is the short description)', () => {
    const txt = '=== N ===\nRequires at least: 5.0\nRequires Plugins: woocommerce\n\nNote: works offline.\n\n== Description ==\nD\n';
    const readme = parseReadme(txt, 'txt');
    expect(readme.headers).toEqual({ 'requires at least': '5.0', 'requires plugins': 'woocommerce' });
    expect(readme.shortDescription).toBe('Note: works offline.');
    expect(readme.html).toBe('<p>Note: works offline.</p>\n<h2>Description</h2>\n<p>D</p>');
  });

  it('falls back to the first paragraph of the description for the short description', () => {
    const txt = '=== N ===\nStable tag: 1.0\n\n== Description ==\n\n= Intro =\n\nFirst *para*.\n\nSecond.\n';
    expect(parseReadme(txt, 'txt').shortDescription).toBe('First para.');
  });

  it('merges repeated sections, skips empty ones, and names untitled ones by position', () => {
    const txt = '=== N ===\n\n== Notes ==\nA\n== Notes ==\nB\n== Empty ==\n\n== !!! ==\nC\n';
    expect(parseReadme(txt, 'txt').sections).toEqual({ notes: '<p>A</p>\n<p>B</p>', section_4: '<p>C</p>' });
  });

  it('keeps prototype names as ordinary keys', () => {
    const txt = '=== N ===\n\n== constructor ==\nA\n\n== Upgrade Notice ==\n= __proto__ =\nB\n= toString =\nC\n';
    const readme = parseReadme(txt, 'txt');
    expect(Object.keys(readme.sections)).toEqual(['constructor', 'upgrade_notice']);
    expect(readme.sections.constructor).toBe('<p>A</p>');
    expect(Object.getPrototypeOf(readme.upgradeNotices)).toBe(Object.prototype);
    expect(Object.entries(readme.upgradeNotices ?? {})).toEqual([
      ['__proto__', 'B'],
      ['toString', 'C'],
    ]);
  });

  it('renders a readme without name, headers or sections as its text', () => {
    expect(parseReadme('Just *text*.', 'md')).toEqual({
      sections: {},
      html: '<p>Just <em>text</em>.</p>',
      headers: {},
      shortDescription: 'Just text.',
    });
    expect(parseReadme('', 'txt')).toEqual({ sections: {}, html: '', headers: {} });
  });

  it('turns `= x =` into h4 only in readme.txt markup', () => {
    expect(parseReadme('# M\n\n## Notes\n\n= kept =\n', 'md').sections.notes).toBe('<p>= kept =</p>');
    expect(parseReadme('== Notes ==\n\n= made =\n', 'txt').sections.notes).toBe('<h4>made</h4>');
  });

  it('never throws on malformed readmes', () => {
    const inputs = ['==', '=== ===', '# ', '##', '```\n== open fence', '\u0000\u0001== A ==\n\u0000', '=\n=\n=', ':\n: x\n**:**', '<'.repeat(5000)];
    for (const input of inputs) {
      for (const format of ['txt', 'md'] as const) {
        const readme = parseReadme(input, format);
        expect(typeof readme.html).toBe('string');
        expect(readme.html).not.toContain('<script');
      }
    }
    expect(parseReadme('```\n== open fence', 'txt').sections).toEqual({});
  });

  it('does not turn `= x =` inside code fences into headings', () => {
    const txt = '=== N ===\n\n== Notes ==\n\n```\n= not a heading =\n== nor a section ==\n```\n';
    expect(parseReadme(txt, 'txt').sections).toEqual({
      notes: '<pre><code>= not a heading =\n== nor a section ==\n</code></pre>',
    });
  });
});
