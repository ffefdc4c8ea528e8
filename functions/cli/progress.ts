import { SingleBar } from 'cli-progress';
import type { Io } from './io';

/** Inputs smaller than this finish too fast for a bar to help. */
const BAR_THRESHOLD = 100;

export interface ProgressOptions {
  /** `true` forces a bar (even without a terminal), `false` disables it. @default a bar on a terminal for 100+ items */
  readonly progress?: boolean;
  readonly json: boolean;
}

/** A progress bar on stderr, or nothing. Never shows tokens: only counts. */
export interface Progress {
  update(done: number): void;
  stop(): void;
}

export function startProgress(io: Io, total: number, label: string, options: ProgressOptions): Progress {
  const wanted = options.progress ?? (io.stderr.isTTY === true && !options.json && total >= BAR_THRESHOLD);
  if (!wanted) return { update() {}, stop() {} };
  const bar = new SingleBar({
    stream: io.stderr,
    format: `${label} [{bar}] {percentage}% | {value}/{total} | ETA {eta}s`,
    noTTYOutput: io.stderr.isTTY !== true,
    notTTYSchedule: 1000,
    hideCursor: io.stderr.isTTY === true,
  });
  bar.start(total, 0);
  return {
    update: (done) => bar.update(done),
    stop: () => bar.stop(),
  };
}
