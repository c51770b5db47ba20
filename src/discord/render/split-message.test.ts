import { describe, expect, it } from 'vitest';
import { splitMessage } from './split-message.ts';

const sentence = (i: number): string => `Sentence number ${i} explains one more detail of the method, with a citation [${(i % 6) + 1}].`;

describe('splitMessage', () => {
  it('keeps a short text as one message', () => {
    expect(splitMessage('A short answer [1].')).toEqual(['A short answer [1].']);
  });

  it('cuts long text into messages of at most 2,000 characters without losing words', () => {
    const text = Array.from({ length: 120 }, (_, i) => sentence(i)).join(' ');
    const parts = splitMessage(text);
    expect(parts.length).toBeGreaterThan(3);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(2000);
    expect(parts.join(' ').split(/\s+/)).toEqual(text.split(/\s+/));
  });

  it('cuts at sentence ends when there are no paragraphs', () => {
    const text = Array.from({ length: 60 }, (_, i) => sentence(i)).join(' ');
    for (const part of splitMessage(text)) expect(part).toMatch(/\.$/);
  });

  it('prefers paragraph boundaries', () => {
    const paragraph = (i: number): string => Array.from({ length: 8 }, (_, j) => sentence(i * 10 + j)).join(' ');
    const text = Array.from({ length: 6 }, (_, i) => paragraph(i)).join('\n\n');
    const parts = splitMessage(text);
    const paragraphs = text.split('\n\n');
    // Every part is made of whole paragraphs.
    for (const part of parts) for (const p of part.split('\n\n')) expect(paragraphs).toContain(p);
  });

  it('cuts a single enormous word hard', () => {
    const parts = splitMessage('x'.repeat(4500));
    expect(parts.map((p) => p.length)).toEqual([2000, 2000, 500]);
  });

  it('closes and reopens a code block cut in two', () => {
    const code = Array.from({ length: 200 }, (_, i) => `line ${i} of the listing`).join('\n');
    const parts = splitMessage(`Here is code:\n\`\`\`ts\n${code}\n\`\`\``);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(2000);
      expect(part.split('```').length % 2).toBe(1);
    }
    expect(parts[1]).toMatch(/^```ts\n/);
  });

  it('respects a smaller limit', () => {
    const parts = splitMessage(Array.from({ length: 20 }, (_, i) => sentence(i)).join(' '), 300);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(300);
  });
});
