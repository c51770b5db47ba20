/**
 * Paper ids must be stable across re-indexing: the same paper written slightly differently keeps its id,
 * and two different papers never share one.
 */
import { describe, expect, it } from 'vitest';
import { normalizeArxivId, normalizeDoi, paperId } from './paper-id.ts';

const ABSTRACT =
  'Noisy labels hurt deep networks. We introduce a novel Faster Meta Update Strategy (FaMUS) that approximates the meta gradient to save training time.';

describe('paperId', () => {
  it('uses the id the file gives, trimmed, before anything else', () => {
    expect(paperId({ id: '  famus-2021 ', arxivId: '2104.15092', doi: '10.1/x', abstract: ABSTRACT })).toBe('famus-2021');
  });

  it('falls back to the arXiv id, then the DOI, when the id is missing or blank', () => {
    expect(paperId({ id: ' ', arxivId: '2104.15092', doi: '10.1/x', abstract: ABSTRACT })).toBe('arxiv:2104.15092');
    expect(paperId({ id: null, arxivId: '', doi: '10.1145/3394486.3403344', abstract: ABSTRACT })).toBe('doi:10.1145/3394486.3403344');
  });

  it.each(['2104.15092v2', 'arXiv:2104.15092v2', 'ARXIV:2104.15092v2', 'https://arxiv.org/abs/2104.15092v2', 'http://www.arxiv.org/pdf/2104.15092v2.pdf', ' 2104.15092v2 '])(
    'reads the arXiv id form %j as 2104.15092v2',
    (raw) => {
      expect(normalizeArxivId(raw)).toBe('2104.15092v2');
      expect(paperId({ arxivId: raw, abstract: ABSTRACT })).toBe('arxiv:2104.15092v2');
    },
  );

  it('keeps old-style arXiv ids with a slash', () => {
    expect(paperId({ arxivId: 'https://arxiv.org/abs/hep-th/9901001', abstract: ABSTRACT })).toBe('arxiv:hep-th/9901001');
  });

  it.each(['10.1145/3394486.3403344', '10.1145/3394486.3403344 ', 'DOI:10.1145/3394486.3403344', 'https://doi.org/10.1145/3394486.3403344', 'http://dx.doi.org/10.1145/3394486.3403344'])(
    'reads the DOI form %j as the same paper',
    (raw) => {
      expect(paperId({ doi: raw, abstract: ABSTRACT })).toBe('doi:10.1145/3394486.3403344');
    },
  );

  it('treats DOIs as case-insensitive', () => {
    expect(normalizeDoi('https://doi.org/10.1109/CVPR46437.2021.00017')).toBe('10.1109/cvpr46437.2021.00017');
    expect(paperId({ doi: '10.1109/CVPR46437.2021.00017', abstract: ABSTRACT })).toBe(paperId({ doi: '10.1109/cvpr46437.2021.00017', abstract: ABSTRACT }));
  });

  it('hashes the abstract when nothing else identifies the paper, ignoring whitespace and case', () => {
    const id = paperId({ abstract: ABSTRACT });
    expect(id).toMatch(/^h:[0-9a-f]{16}$/);
    expect(paperId({ abstract: `  ${ABSTRACT.toUpperCase().replace(/ /g, '\n\t ')}  ` })).toBe(id);
    expect(paperId({ id: undefined, arxivId: null, doi: '  ', abstract: ABSTRACT })).toBe(id);
  });

  it('gives different abstracts different ids, even when they differ by one word', () => {
    const other = ABSTRACT.replace('save training time', 'save memory');
    expect(paperId({ abstract: other })).not.toBe(paperId({ abstract: ABSTRACT }));
  });
});
