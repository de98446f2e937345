/**
 * Progress of long work on the command line: a cli-progress bar when stderr is a terminal, plain lines
 * (every `every` steps) otherwise, so logs stay readable.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number): void;
  stop(): void;
}

export function progress(label: string, total: number | undefined, every = 10): Progress {
  if (process.stderr.isTTY && total !== undefined) {
    const bar = new cliProgress.SingleBar({ format: `${label} [{bar}] {value}/{total}`, stream: process.stderr }, cliProgress.Presets.shades_classic);
    bar.start(total, 0);
    return { update: (done) => bar.update(done), stop: () => bar.stop() };
  }
  return {
    update: (done) => {
      if (done % every === 0 || done === total) process.stderr.write(`${label}: ${done}${total === undefined ? '' : `/${total}`}\n`);
    },
    stop: () => undefined,
  };
}
