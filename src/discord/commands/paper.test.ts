import { describe, expect, it } from 'vitest';
import { byContentNotice, noPaperNotice } from './paper.ts';

describe('the /paper notices that repeat what was typed', () => {
  it('repeat it as text: markdown, masked links and @everyone stay inert', () => {
    const typed = '**[free](https://example.com/x)** @everyone';
    for (const notice of [noPaperNotice(typed), byContentNotice(typed)]) {
      expect(notice).not.toContain('**[free]');
      expect(notice).not.toMatch(/\]\(https:/);
      expect(notice).not.toContain('@everyone');
    }
  });
});
