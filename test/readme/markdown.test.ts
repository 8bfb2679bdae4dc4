import { describe, expect, it } from 'vitest';
import { EMPHASIS_SCAN_BUDGET, parseReadme, renderMarkdown } from '../../src/readme/index.js';

describe('renderMarkdown emphasis budget', () => {
  it('renders emphasis in ordinary text', () => {
    expect(renderMarkdown('a *b* __c__ ~~d~~')).toBe('<p>a <em>b</em> <strong>c</strong> <del>d</del></p>\n');
  });

  it('treats emphasis delimiters as text once an inline text exceeds the scan budget', () => {
    const filler = 'y'.repeat(EMPHASIS_SCAN_BUDGET);
    expect(renderMarkdown(`*a* ${filler}`)).toBe(`<p>*a* ${filler}</p>\n`);
    // The budget is per inline text: the next paragraph has its own.
    expect(renderMarkdown(`*a* ${filler}\n\n*b*`)).toBe(`<p>*a* ${filler}</p>\n<p><em>b</em></p>\n`);
  });

  it('renders paragraphs of unmatched openers (quadratic in marked 17) as text', () => {
    const source = '*a '.repeat(40_000).trim();
    const readme = parseReadme(`=== N ===\n\n== Description ==\n${source}\n`, 'txt');
    expect(readme.sections.description).toBe(`<p>${source}</p>`);
  });
});
