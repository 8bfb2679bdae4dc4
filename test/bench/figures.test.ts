import { describe, expect, it } from 'vitest';
import { makeFigure, meetsTarget, missingFigures } from '../../bench/figures.js';
import { markdownTable, textTable, formatNumber } from '../../bench/report.js';
import { median } from '../../bench/stats.js';

describe('median', () => {
  it('takes the middle round, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });

  it('is NaN when there is no round or a round is not a number', () => {
    expect(median([])).toBeNaN();
    expect(median([1, Number.NaN, 3])).toBeNaN();
    expect(median([1, Number.POSITIVE_INFINITY])).toBeNaN();
  });
});

describe('makeFigure', () => {
  it('compares the medians of server and baseline rounds', () => {
    const f = makeFigure({
      id: 'x.rps',
      label: 'x',
      unit: 'req/s',
      rounds: [900, 700, 800],
      baselineRounds: [1000, 1100, 900],
      baselineLabel: 'koa',
      target: { kind: 'ratioAtLeast', limit: 0.8 },
    });
    expect(f.value).toBe(800);
    expect(f.baseline).toBe(1000);
    expect(f.ratio).toBeCloseTo(0.8, 10);
    expect(f.pass).toBe(true);
    expect(f.rounds).toEqual([900, 700, 800]);
  });

  it('checks each kind of target on the ratio or the value', () => {
    expect(meetsTarget({ kind: 'ratioAtLeast', limit: 0.8 }, 10, 0.79)).toBe(false);
    expect(meetsTarget({ kind: 'ratioAtMost', limit: 1.3 }, 10, 1.3)).toBe(true);
    expect(meetsTarget({ kind: 'ratioAtMost', limit: 1.3 }, 10, 1.31)).toBe(false);
    expect(meetsTarget({ kind: 'valueBelow', limit: 10 }, 10, 0.1)).toBe(false);
    expect(meetsTarget({ kind: 'valueBelow', limit: 10 }, 9.9, 100)).toBe(true);
    expect(meetsTarget({ kind: 'none' }, 1, 1)).toBeNull();
  });

  it('fails a target it cannot check (NaN never passes)', () => {
    const f = makeFigure({ id: 'x', label: 'x', unit: 's', rounds: [], baselineRounds: [1], baselineLabel: 'b', target: { kind: 'ratioAtMost', limit: 1.3 } });
    expect(f.value).toBeNaN();
    expect(f.pass).toBe(false);
  });
});

describe('missingFigures', () => {
  const figure = (id: string, rounds: number[], baselineRounds: number[]) =>
    makeFigure({ id, label: id, unit: 'u', rounds, baselineRounds, baselineLabel: 'b' });

  it('names expected figures that are absent or not finite', () => {
    const figures = [figure('a', [1], [2]), figure('b', [Number.NaN], [2]), figure('c', [1], [0])];
    // c: 1 / 0 is an infinite ratio, which is no figure either.
    expect(missingFigures(['a', 'b', 'c', 'd'], figures)).toEqual(['b', 'c', 'd']);
  });

  it('is empty when every expected figure is produced', () => {
    expect(missingFigures(['a'], [figure('a', [1, 2, 3], [2, 2, 2])])).toEqual([]);
  });
});

describe('result tables', () => {
  const figures = [
    makeFigure({
      id: 'zip',
      label: 'cold zip | build',
      unit: 's',
      rounds: [2.6],
      baselineRounds: [2],
      baselineLabel: 'git archive',
      target: { kind: 'ratioAtMost', limit: 1.3 },
    }),
  ];

  it('prints value, baseline, ratio, target and verdict', () => {
    const text = textTable(figures);
    expect(text.split('\n')[0]).toMatch(/^figure\s+value\s+baseline\s+ratio\s+target\s+result$/);
    expect(text.split('\n')[2]).toMatch(/^cold zip \| build\s+2\.60 s\s+2\.00 s \(git archive\)\s+1\.30\s+ratio <= 1\.3\s+pass$/);
  });

  it('escapes pipes in Markdown cells', () => {
    const rows = markdownTable(figures).split('\n');
    expect(rows[0]).toBe('| figure | value | baseline | ratio | target | result |');
    expect(rows[2]).toBe('| cold zip \\| build | 2.60 s | 2.00 s (git archive) | 1.30 | ratio <= 1.3 | pass |');
  });

  it('shows a missing number as "missing"', () => {
    expect(formatNumber(Number.NaN)).toBe('missing');
    expect(formatNumber(12345.6)).toBe('12346');
    expect(formatNumber(0.01234)).toBe('0.012');
  });
});
