/**
 * The bytes of a corpus file → its text, without ever guessing: UTF-8 is decoded strictly (TextDecoder with
 * `fatal`), never with silent U+FFFD replacements. A file that is not text at all (a NUL byte, or most of its
 * lines invalid UTF-8 or full of control characters: a binary, a UTF-16 or Latin-1 export) is one problem for
 * the whole file, with the offset of its first offending byte, and yields no lines. Otherwise each line that
 * is not valid UTF-8 is one problem with its line number and is left out (as an empty line, so the lines after
 * it keep their numbers). `\r\n`, `\r` and `\n` all end a line, as in splitLines.
 */
import { splitLines } from '../text.ts';
import type { CorpusProblem } from './paper.ts';
import { findUnsafeCharacter } from './safe-text.ts';

export interface DecodedFile {
  text: string;
  problems: CorpusProblem[];
}

const CR = 0x0d;
const LF = 0x0a;

export function decodeCorpusFile(file: string, bytes: Uint8Array): DecodedFile {
  const strict = new TextDecoder('utf-8', { fatal: true });
  const notText = (offset: number): DecodedFile => ({
    text: '',
    problems: [{ file, line: 0, kind: 'not-text', message: `${file} is not a UTF-8 text file (first invalid byte at offset ${offset}); skipped` }],
  });

  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    const invalid = firstInvalidUtf8(bytes, 0, nul);
    return notText(invalid < 0 ? nul : invalid);
  }

  let text: string | null;
  try {
    text = strict.decode(bytes);
  } catch {
    text = null; // not valid UTF-8 somewhere: decoded line by line below, to say where
  }
  if (text !== null) {
    // One pass over the whole text first: a clean file (nearly every file) is not split here.
    if (findUnsafeCharacter(text) === null) return { text, problems: [] };
    // Valid UTF-8 that is still not text: most lines carry control characters.
    const lines = splitLines(text);
    const nonEmpty = lines.filter((l) => l.trim() !== '').length;
    const bad = lines.filter((l) => findUnsafeCharacter(l) !== null);
    if (bad.length > 0 && bad.length * 2 > nonEmpty) {
      const at = findUnsafeCharacter(text)?.index ?? 0;
      return notText(new TextEncoder().encode(text.slice(0, at)).length);
    }
    return { text, problems: [] };
  }

  const problems: CorpusProblem[] = [];
  const out: string[] = [];
  let nonEmpty = 0;
  let firstInvalid = -1;
  let line = 0;
  for (let start = 0; start <= bytes.length; ) {
    let end = start;
    while (end < bytes.length && bytes[end] !== CR && bytes[end] !== LF) end += 1;
    line += 1;
    const slice = bytes.subarray(start, end);
    let decoded: string | null;
    try {
      decoded = strict.decode(slice);
    } catch {
      decoded = null;
    }
    if (decoded === null) {
      const offset = start + Math.max(0, firstInvalidUtf8(slice, 0, slice.length));
      if (firstInvalid < 0) firstInvalid = offset;
      const byte = bytes[offset] ?? 0;
      problems.push({ file, line, kind: 'invalid-utf8', message: `not valid UTF-8 (byte 0x${byte.toString(16).padStart(2, '0')} at offset ${offset} of the file; Latin-1 or Windows-1252 text must be converted to UTF-8); skipped` });
      out.push('');
      nonEmpty += 1;
    } else {
      out.push(decoded);
      if (decoded.trim() !== '') nonEmpty += 1;
    }
    if (end >= bytes.length) break;
    start = bytes[end] === CR && bytes[end + 1] === LF ? end + 2 : end + 1;
  }
  if (problems.length * 2 > nonEmpty) return notText(firstInvalid);
  return { text: out.join('\n'), problems };
}

/**
 * The offset of the first byte of the first ill-formed UTF-8 sequence in bytes[start, end) (overlong forms,
 * surrogates and code points past U+10FFFF included), or -1. TextDecoder says only that there is one.
 */
export function firstInvalidUtf8(bytes: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end) {
    const b = bytes[i] ?? 0;
    if (b < 0x80) {
      i += 1;
      continue;
    }
    let need: number;
    let min = 0x80;
    let max = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) min = 0xa0;
      if (b === 0xed) max = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) min = 0x90;
      if (b === 0xf4) max = 0x8f;
    } else return i;
    if (i + need >= end) return i; // cut short
    for (let k = 1; k <= need; k += 1) {
      const c = bytes[i + k] ?? 0;
      const lo = k === 1 ? min : 0x80;
      const hi = k === 1 ? max : 0xbf;
      if (c < lo || c > hi) return i;
    }
    i += need + 1;
  }
  return -1;
}

/** Where `bytes` first stop being UTF-8 (1-based line, byte offset, the byte), or null when they are UTF-8 throughout. */
export function firstInvalidPosition(bytes: Uint8Array): { line: number; offset: number; byte: number } | null {
  const offset = firstInvalidUtf8(bytes, 0, bytes.length);
  if (offset < 0) return null;
  const before = bytes.subarray(0, offset);
  let line = 1;
  for (let i = 0; i < before.length; i += 1) {
    // \r\n, \r and \n each end one line, as splitLines counts them.
    if (before[i] === LF || (before[i] === CR && before[i + 1] !== LF)) line += 1;
  }
  return { line, offset, byte: bytes[offset] ?? 0 };
}
