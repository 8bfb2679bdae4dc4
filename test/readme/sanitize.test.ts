import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseReadme, renderMarkdown, sanitizeReadmeHtml } from '../../src/readme/index.js';

const LINK = 'rel="nofollow noopener noreferrer" target="_blank"';

/** Markdown (as found in a readme section) → the exact sanitized HTML. */
const CASES: ReadonlyArray<readonly [string, string, string]> = [
  ['script element', 'Hi <script>alert(1)</script> there', '<p>Hi  there</p>\n'],
  ['script block', '<script>\nalert(1)\n</script>', ''],
  ['img onerror with a relative src', '<img src=x onerror=alert(1)>', ''],
  ['img onerror with an https src', '<img src="https://cdn.example/a.png" onerror="alert(1)" alt="A">', '<img src="https://cdn.example/a.png" alt="A" />'],
  ['markdown javascript: link', '[x](javascript:alert(1))', '<p>x</p>\n'],
  ['mixed-case javascript: href', '<a href="JaVaScRiPt:alert(1)">y</a>', '<p>y</p>\n'],
  ['tab-split javascript: href', '<a href="java&#x09;script:alert(1)">tab</a>', '<p>tab</p>\n'],
  ['control characters before javascript:', '<a href=" &#14;javascript:alert(1)">ctl</a>', '<p>ctl</p>\n'],
  ['iframe', '<iframe src="https://evil.example/">fallback</iframe>', ''],
  ['svg onload', '<svg onload=alert(1)><circle r="1"/></svg>', '<p></p>\n'],
  ['style and event attributes', '<p style="color:red" onclick="x()">s</p>', '<p>s</p>'],
  ['style element', '<style>body{display:none}</style>ok', 'ok'],
  ['data: image', '![d](data:image/png;base64,iVBORw0KGgo=)', '<p></p>\n'],
  ['data: link', '[d](data:text/html;base64,PHNjcmlwdD4=)', '<p>d</p>\n'],
  ['form controls', '<form action="https://evil.example"><input name="q"><button>Go</button></form>', 'Go'],
  ['object and embed', '<object data="x.swf"></object><embed src="x.swf">', '<p></p>\n'],
  ['noscript parser confusion', '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>', '<p></p>\n'],
  ['math xlink:href', '<math><mi xlink:href="javascript:alert(1)">m</mi></math>', '<p>m</p>\n'],
  ['relative and protocol-relative links', '[rel](docs/setup.md) [proto](//evil.example/x)', '<p>rel proto</p>\n'],
  ['code keeps markup as text', '`<script>alert(1)</script>`', '<p><code>&lt;script&gt;alert(1)&lt;/script&gt;</code></p>\n'],
  [
    'rel/target/on* of a kept link replaced',
    '<a href="https://ok.example/" target="_top" rel="opener" onclick="x()">ok</a>',
    `<p><a href="https://ok.example/" ${LINK}>ok</a></p>\n`,
  ],
  [
    'attribute breakout stays inside the attribute',
    '<a href="https://x.example/" title="t&quot; onmouseover=&quot;alert(1)">q</a>',
    `<p><a href="https://x.example/" ${LINK} title="t&quot; onmouseover=&quot;alert(1)">q</a></p>\n`,
  ],
  ['mailto link', '[mail](mailto:a@example.org)', `<p><a href="mailto:a@example.org" ${LINK}>mail</a></p>\n`],
  ['void image without an http(s) src inside a heading', '#### <img src=x onerror=alert(5)>1.0', '<h4>1.0</h4>\n'],
  ['unlinked text inside a list', '<ul><li><a href="vbscript:x">a</a></li><li>b</li></ul>', '<ul><li>a</li><li>b</li></ul>'],
  ['comment-split javascript: href', '<a href="java<!-- -->script:alert(1)">c</a>', '<p>c</p>\n'],
  ['markdown image over https', '![logo](https://cdn.example/logo.png "Logo")', '<p><img src="https://cdn.example/logo.png" alt="logo" title="Logo" /></p>\n'],
];

describe('sanitized readme HTML', () => {
  it.each(CASES)('%s', (_name, source, expected) => {
    expect(renderMarkdown(source)).toBe(expected);
  });

  it('never lets a dangerous construct through, in any case', () => {
    for (const [, source] of CASES) {
      const html = renderMarkdown(source);
      expect(html).not.toMatch(/<(script|style|iframe|object|embed|form|input|svg|math)\b/i);
      // sanitize-html always writes attributes as name="value"; escaped text inside a value is no attribute.
      expect(html).not.toMatch(/\s(on\w+|style)="/i);
      expect(html).not.toMatch(/(href|src)="\s*(javascript|data|vbscript):/i);
    }
  });

  it('unlinks without disturbing the following closing tags', () => {
    // sanitize-html 2.17 renames the next closing tag when a renamed tag was discarded; links are filtered without renaming.
    expect(sanitizeReadmeHtml('<a href="javascript:x">x</a><p>y</p>')).toBe('x<p>y</p>');
    expect(sanitizeReadmeHtml('<div><img src="x"><p>y</p></div>')).toBe('<div><p>y</p></div>');
  });

  it('is idempotent', () => {
    const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
    const html = parseReadme(fs.readFileSync(path.join(dir, 'readme.txt'), 'utf8'), 'txt').html;
    expect(sanitizeReadmeHtml(html)).toBe(html);
    for (const [, source] of CASES) {
      const once = renderMarkdown(source);
      expect(sanitizeReadmeHtml(once)).toBe(once);
    }
  });

  it('keeps ordinary formatting, tables and code language classes only', () => {
    expect(sanitizeReadmeHtml('<h3 class="x" id="y">T</h3><pre><code class="language-php evil">x</code></pre><td align="center" bgcolor="red">c</td>'))
      .toBe('<h3>T</h3><pre><code class="language-php">x</code></pre><td align="center">c</td>');
  });

  it('sanitizes sections, titles and the whole readme of a hostile readme.txt', () => {
    const txt = [
      '=== <img src=x onerror=alert(1)>Evil <b>Plugin</b> ===',
      'Contributors: <script>x</script>mallory',
      '',
      'Short <script>alert(1)</script>text [go](javascript:alert(2)).',
      '',
      '== <script>alert(3)</script>Description ==',
      '<iframe src="https://evil.example"></iframe><a href="javascript:alert(4)" onclick="x()">click</a>',
      '',
      '== Changelog ==',
      '= <img src=x onerror=alert(5)>1.0 =',
      '* <svg onload=alert(6)>fix</svg>',
    ].join('\n');
    const readme = parseReadme(txt, 'txt');
    expect(readme.name).toBe('Evil Plugin');
    // Header values are plain text, kept verbatim: whoever puts them into HTML escapes them.
    expect(readme.contributors).toEqual(['<script>x</script>mallory']);
    expect(readme.shortDescription).toBe('Short text go.');
    expect(readme.sections).toEqual({
      // The line starts with <iframe>, so marked takes it as an HTML block (no <p>).
      description: 'click',
      changelog: '<h4>1.0</h4>\n<ul>\n<li>fix</li>\n</ul>',
    });
    expect(readme.html).toBe(
      '<p>Short text go.</p>\n<h2>Description</h2>\nclick\n<h2>Changelog</h2>\n<h4>1.0</h4>\n<ul>\n<li>fix</li>\n</ul>',
    );
  });
});
