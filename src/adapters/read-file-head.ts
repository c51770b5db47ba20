/**
 * The first bytes of a file and its size, from one open: what the cheap checks of an index build's files
 * (the SQLite store's header, hnswlib's) read instead of the whole file.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** `head` has `bytes` bytes (zeros past `read`, the bytes the file had); throws what opening or reading throws. */
export function readFileHead(file: string, bytes: number): { size: number; head: Buffer; read: number } {
  const head = Buffer.alloc(bytes);
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const read = readSync(fd, head, 0, bytes, 0);
    return { size, head, read };
  } finally {
    closeSync(fd);
  }
}
