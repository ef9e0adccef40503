/**
 * Runs `work` every `intervalMs` (measured from the end of one run to the start of the next, so
 * runs never overlap) until stopped. A failed run is reported and the loop goes on: the work is
 * clock-driven and idempotent, so the next run picks up whatever is still due.
 */
export interface Repeater {
  stop(): Promise<void>;
}

export function repeat(
  intervalMs: number,
  work: () => Promise<unknown>,
  onError: (err: unknown) => void,
): Repeater {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  const schedule = (): void => {
    if (!stopped) timer = setTimeout(run, intervalMs);
  };
  const run = (): void => {
    running = work().then(schedule, (err: unknown) => {
      onError(err);
      schedule();
    });
  };
  schedule();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
