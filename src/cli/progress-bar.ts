/**
 * The build's progress on stderr: a live bar on a terminal, a line every 10% elsewhere (CI logs).
 */
import type { BuildProgress } from '../indexing/build-index.ts';

export function progressReporter(stream: NodeJS.WritableStream & { isTTY?: boolean }): (p: BuildProgress) => void {
  let lastDecile = -1;
  return ({ done, total, rate, etaSeconds }) => {
    if (total === 0) return;
    const share = done / total;
    const text = `embedding ${done}/${total} passages  ${rate.toFixed(1)}/s  ETA ${formatSeconds(etaSeconds)}`;
    if (stream.isTTY === true) {
      const width = 24;
      const filled = Math.round(share * width);
      stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}\x1b[K${done === total ? '\n' : ''}`);
      return;
    }
    const decile = Math.floor(share * 10);
    if (decile !== lastDecile && (done === 0 || decile > lastDecile)) {
      lastDecile = decile;
      stream.write(`${text}\n`);
    }
  };
}

export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}
