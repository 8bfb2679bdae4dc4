import { describe, expect, it } from 'vitest';
import type { ParsedReadme } from '../../src/releases/types.js';
import { DETAILS_PAGE_CSP, parseReadme, renderDetailsPage } from '../../src/readme/index.js';

const CSP_META =
  `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src https: http: data:; style-src 'unsafe-inline'">`;

describe('renderDetailsPage', () => {
  const readme = parseReadme('=== Acme ===\nRequires at least: 6.0\nTested up to: 6.5\nRequires PHP: 8.1\n\nShort.\n\n== Description ==\n\nHello **world**.\n', 'txt');

  it('is a complete HTML5 page with the CSP, the title, the version and the readme', () => {
    const page = renderDetailsPage({ title: 'Acme', version: '1.2.0', readme });
    expect(page.startsWith('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n')).toBe(true);
    expect(page).toContain(CSP_META);
    expect(DETAILS_PAGE_CSP).toBe("default-src 'none'; img-src https: http: data:; style-src 'unsafe-inline'");
    expect(page).toContain('<title>Acme 1.2.0</title>');
    expect(page).toContain('<h1>Acme</h1>');
    expect(page).toContain(
      '<ul class="meta"><li>Version 1.2.0</li><li>Requires WordPress 6.0</li><li>Tested up to 6.5</li><li>Requires PHP 8.1</li></ul>',
    );
    expect(page).toContain(`<main>\n${readme.html}\n</main>`);
    expect(readme.html).toBe('<p>Short.</p>\n<h2>Description</h2>\n<p>Hello <strong>world</strong>.</p>');
    expect(page.trimEnd().endsWith('</body>\n</html>')).toBe(true);
    expect(page).not.toMatch(/<script|<link|<iframe|src="http/i);
  });

  it('escapes the title and version', () => {
    const page = renderDetailsPage({ title: '<script>alert("t")</script> & Co', version: '1.0"><img src=x onerror=alert(1)>', readme: null });
    expect(page).toContain('<h1>&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt; &amp; Co</h1>');
    expect(page).toContain('<li>Version 1.0&quot;&gt;&lt;img src=x onerror=alert(1)&gt;</li>');
    expect(page).toContain(
      '<title>&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt; &amp; Co 1.0&quot;&gt;&lt;img src=x onerror=alert(1)&gt;</title>',
    );
    expect(page).not.toContain('<script');
    expect(page).not.toContain('<img');
  });

  it('shows a short note when there is no readme', () => {
    const page = renderDetailsPage({ title: 'Bare', version: '0.1.0', readme: null });
    expect(page).toContain('<main>\n<p class="empty">No readme.</p>\n</main>');
    expect(page).toContain('<ul class="meta"><li>Version 0.1.0</li></ul>');
  });

  it('sanitizes readme HTML and escapes readme fields even when the readme did not come from parseReadme', () => {
    const hostile: ParsedReadme = {
      requires: '<b>6.0</b>',
      sections: {},
      html: '<h2 onclick="x()">Intro</h2><script>alert(1)</script><a href="javascript:alert(2)">x</a><p style="color:red">y</p>',
    };
    const page = renderDetailsPage({ title: 'T', version: '1', readme: hostile });
    expect(page).toContain('<main>\n<h2>Intro</h2>x<p>y</p>\n</main>');
    expect(page).toContain('<li>Requires WordPress &lt;b&gt;6.0&lt;/b&gt;</li>');
  });

  it('shows the note when the readme renders to nothing', () => {
    const blank = renderDetailsPage({ title: 'T', version: '1', readme: { sections: {}, html: '  ' } });
    expect(blank).toContain('<main>\n<p class="empty">No readme.</p>\n</main>');
    const onlyScript = renderDetailsPage({ title: 'T', version: '1', readme: { sections: {}, html: '<script>alert(1)</script>' } });
    expect(onlyScript).toContain('<main>\n<p class="empty">No readme.</p>\n</main>');
  });
});
