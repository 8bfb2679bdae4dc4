/** Readme text as lines: BOM removed, CRLF and lone CR turned into LF. */
export function readmeLines(text: string): string[] {
  return text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n').split('\n');
}

/**
 * Tracks fenced code blocks (``` or ~~~) while lines are walked, so headings inside code
 * are not taken for readme structure.
 */
export class FenceTracker {
  private open: { char: string; length: number } | undefined;

  /** Feed the next line; true when the line is part of a fenced block (fence lines included). */
  inFence(line: string): boolean {
    const fence = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(line);
    if (this.open) {
      if (fence?.[1] && fence[1][0] === this.open.char && fence[1].length >= this.open.length && fence[2]?.trim() === '') {
        this.open = undefined;
      }
      return true;
    }
    if (fence?.[1] && !(fence[1][0] === '`' && fence[2]?.includes('`'))) {
      this.open = { char: fence[1][0] ?? '`', length: fence[1].length };
      return true;
    }
    return false;
  }
}

/**
 * WordPress readme.txt sub-headings (`= 1.0 =`, `= How do I…? =`) turned into markdown level-4
 * headings, outside code fences.
 */
export function convertSubheadings(source: string): string {
  const fences = new FenceTracker();
  return source
    .split('\n')
    .map((line) => {
      if (fences.inFence(line)) return line;
      const title = subheadingTitle(line);
      return title === undefined ? line : `#### ${title}`;
    })
    .join('\n');
}

/** The title of a `= Title =` line, else undefined. */
export function subheadingTitle(line: string): string | undefined {
  const match = /^[ \t]*=[ \t]*([^=\s](?:.*?[^=\s])?)[ \t]*=[ \t]*$/.exec(line);
  return match?.[1];
}
