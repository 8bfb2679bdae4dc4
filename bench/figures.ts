import { median } from './stats.js';

/**
 * One line of the result table: a value measured on the server, the same measure on a baseline
 * taken in the same run, and their ratio (value / baseline). Targets are checked on the ratio,
 * or on the value where the issue gives an absolute limit (p99, RSS growth).
 */
export type Target =
  | { kind: 'ratioAtLeast'; limit: number }
  | { kind: 'ratioAtMost'; limit: number }
  | { kind: 'valueBelow'; limit: number }
  | { kind: 'none' };

export interface Figure {
  id: string;
  label: string;
  unit: string;
  /** Median of the server's rounds. */
  value: number;
  /** Median of the baseline's rounds. */
  baseline: number;
  baselineLabel: string;
  ratio: number;
  target: Target;
  /** null: no target, the figure is informative. */
  pass: boolean | null;
  rounds: number[];
  baselineRounds: number[];
  /** Anything that makes the figure suspect (errors, non-2xx answers), or context. */
  notes: string[];
}

export interface FigureInput {
  id: string;
  label: string;
  unit: string;
  rounds: number[];
  baselineRounds: number[];
  baselineLabel: string;
  target?: Target;
  notes?: string[];
}

export function makeFigure(input: FigureInput): Figure {
  const value = median(input.rounds);
  const baseline = median(input.baselineRounds);
  const ratio = value / baseline;
  const target = input.target ?? { kind: 'none' };
  return {
    id: input.id,
    label: input.label,
    unit: input.unit,
    value,
    baseline,
    baselineLabel: input.baselineLabel,
    ratio,
    target,
    pass: meetsTarget(target, value, ratio),
    rounds: input.rounds,
    baselineRounds: input.baselineRounds,
    notes: input.notes ?? [],
  };
}

export function meetsTarget(target: Target, value: number, ratio: number): boolean | null {
  switch (target.kind) {
    case 'ratioAtLeast':
      return ratio >= target.limit;
    case 'ratioAtMost':
      return ratio <= target.limit;
    case 'valueBelow':
      return value < target.limit;
    case 'none':
      return null;
  }
}

export function describeTarget(target: Target, unit: string): string {
  switch (target.kind) {
    case 'ratioAtLeast':
      return `ratio >= ${target.limit}`;
    case 'ratioAtMost':
      return `ratio <= ${target.limit}`;
    case 'valueBelow':
      return `< ${target.limit} ${unit}`;
    case 'none':
      return '-';
  }
}

/** A figure is produced when its value, baseline and ratio are all finite numbers. */
export function isProduced(figure: Figure | undefined): boolean {
  return figure !== undefined && [figure.value, figure.baseline, figure.ratio].every((n) => Number.isFinite(n));
}

/** Ids expected but missing or not finite. */
export function missingFigures(expected: readonly string[], figures: Figure[]): string[] {
  const byId = new Map(figures.map((f) => [f.id, f]));
  return expected.filter((id) => !isProduced(byId.get(id)));
}
