/**
 * Reading the settings file text: JSON with whole-line `//` comments (the original
 * WP-Project-Update-API format), with syntax errors reported by line and column.
 */

/** Blanks every line whose first non-blank characters are `//`, keeping the line count intact. */
export function stripCommentLines(text: string): string {
  return text
    .split('\n')
    .map((line) => (/^\s*\/\//.test(line) ? '' : line))
    .join('\n');
}

export type JsonResult = { ok: true; value: unknown } | { ok: false; message: string };

/** JSON.parse, with the error's line and column (Node 20 does not always give a position). */
export function parseJsonWithComments(raw: string): JsonResult {
  const text = stripCommentLines(raw.replace(/^\uFEFF/, ''));
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    // V8's message may quote the source; keep only the reason, never file contents (they may hold keys).
    const reason = String((err as Error).message)
      .replace(/, (\.\.\.)?".*$/s, '')
      .replace(/ (in JSON )?at position \d+.*$/s, '');
    const offset = locateJsonError(text);
    if (offset === undefined) return { ok: false, message: `invalid JSON: ${reason}` };
    const before = text.slice(0, offset);
    const line = before.split('\n').length;
    const column = offset - before.lastIndexOf('\n');
    return { ok: false, message: `invalid JSON at line ${line}, column ${column}: ${reason}` };
  }
}

/**
 * Offset of the first JSON syntax error, found by a small recursive-descent scan. Only used
 * after JSON.parse failed, to point at the right line; undefined when it finds nothing.
 */
export function locateJsonError(text: string): number | undefined {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const literal = (word: string) => {
    for (const ch of word) {
      if (text[i] !== ch) fail();
      i++;
    }
  };
  const string = () => {
    if (text[i] !== '"') fail();
    i++;
    for (;;) {
      if (i >= text.length) fail();
      const ch = text[i]!;
      if (ch === '"') {
        i++;
        return;
      }
      if (ch < ' ') fail();
      if (ch === '\\') {
        i++;
        const esc = text[i];
        if (esc === 'u') {
          i++;
          for (let k = 0; k < 4; k++, i++) if (!/[0-9a-fA-F]/.test(text[i] ?? '')) fail();
        } else if (esc !== undefined && '"\\/bfnrt'.includes(esc)) i++;
        else fail();
      } else i++;
    }
  };
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!m) fail();
    i += m![0].length;
  };
  const value = (): void => {
    ws();
    const ch = text[i];
    if (ch === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        string();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return void i++;
        else fail();
      }
    } else if (ch === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return void i++;
        else fail();
      }
    } else if (ch === '"') string();
    else if (ch === 't') literal('true');
    else if (ch === 'f') literal('false');
    else if (ch === 'n') literal('null');
    else number();
  };
  try {
    value();
    ws();
    if (i < text.length) fail();
    return undefined;
  } catch (at) {
    return typeof at === 'number' ? Math.min(at, text.length) : undefined;
  }
}
