/**
 * Runs at most `max` tasks at once; the others wait in FIFO order. Used to bound how many
 * sites the panel calls at the same time (REMOTE_CONCURRENCY).
 */
export interface Limiter {
  run<T>(task: () => Promise<T>): Promise<T>;
  /** Tasks running now. */
  readonly active: number;
  /** Tasks waiting for a slot. */
  readonly waiting: number;
}

export function createLimiter(max: number): Limiter {
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`concurrency must be a positive integer, got ${max}`);
  let active = 0;
  const queue: (() => void)[] = [];

  const release = () => {
    active -= 1;
    const next = queue.shift();
    if (next) {
      active += 1;
      next();
    }
  };

  return {
    run<T>(task: () => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const start = () => {
          let pending: Promise<T>;
          try {
            pending = Promise.resolve(task());
          } catch (err) {
            // A task that throws synchronously must still give its slot back.
            pending = Promise.reject(err);
          }
          // The slot is free before the caller hears the outcome.
          pending.then(
            (value) => {
              release();
              resolve(value);
            },
            (err: unknown) => {
              release();
              reject(err);
            },
          );
        };
        if (active < max) {
          active += 1;
          start();
        } else queue.push(start);
      });
    },
    get active() {
      return active;
    },
    get waiting() {
      return queue.length;
    },
  };
}
