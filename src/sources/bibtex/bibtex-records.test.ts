import { describe, expect, it } from 'vitest';
import { hasAbstract, parseBibtex } from './bibtex-records.ts';

const ABSTRACT = 'We study sharpness-aware minimization and show that suppressing the variance of the adversary improves generalization on image classification.';

const ZOTERO = String.raw`% Exported by Better BibTeX for Zotero
@string{neurips = "Advances in Neural Information Processing Systems"}

@inproceedings{mullerFastUberSearch2023,
  title = {{{FaMUS}}: {Fast} Multi-Scale {\"U}ber-Search with $\alpha$-Divergences},
  booktitle = neurips # " 36",
  author = {M{\"u}ller, J{\"o}rg and van der Berg, Anna and {OpenAI Research}},
  year = {2023},
  month = dec,
  eprint = {2309.15639v2},
  archiveprefix = {arXiv},
  doi = {https://doi.org/10.48550/ARXIV.2309.15639},
  url = {https://arxiv.org/abs/2309.15639},
  abstract = {We study \emph{sharpness-aware} minimization and show that suppressing the variance of the adversary improves generalization on {\'e}l{\`e}ve image classification.},
  file = {/Users/someone/Zotero/storage/ABCD1234/Muller - 2023.pdf}
}

@article{noAbstract2021,
  title = {A Paper Whose Export Has No Abstract},
  author = {Doe, Jane},
  journal = {Journal of Machine Learning Research},
  year = {2021}
}
`;

describe('parseBibtex', () => {
  it('turns a Zotero export into plain Unicode fields: macros, accents, protected braces, arXiv id, DOI, authors as "First Last"', () => {
    const { records, problems } = parseBibtex(ZOTERO);
    expect(problems).toEqual([]);
    const [famus] = records;
    expect(famus).toMatchObject({
      bibtex_key: 'mullerFastUberSearch2023',
      line: 4,
      title: 'FaMUS: Fast Multi-Scale Über-Search with α-Divergences',
      authors: ['Jörg Müller', 'Anna van der Berg', 'OpenAI Research'],
      year: 2023,
      venue: 'Advances in Neural Information Processing Systems 36',
      url: 'https://arxiv.org/abs/2309.15639',
      arxiv_id: '2309.15639',
      doi: '10.48550/arxiv.2309.15639',
      abstract: 'We study sharpness-aware minimization and show that suppressing the variance of the adversary improves generalization on élève image classification.',
    });
    expect(famus && hasAbstract(famus)).toBe(true);
  });

  it('keeps an entry without an abstract, with its line, and never invents one', () => {
    const record = parseBibtex(ZOTERO).records.find((r) => r.bibtex_key === 'noAbstract2021');
    expect(record).toEqual({ bibtex_key: 'noAbstract2021', line: 18, title: 'A Paper Whose Export Has No Abstract', authors: ['Jane Doe'], year: 2021, venue: 'Journal of Machine Learning Research' });
    expect(record && hasAbstract(record)).toBe(false);
  });

  it('reports a broken entry at the line it starts on and still reads the entries after it', () => {
    const text = [
      `@article{first, title = {First}, abstract = {${ABSTRACT}}}`,
      '',
      '@article{broken,',
      '  title = {Never closed',
      '  author = {Roe, Richard},',
      '',
      `@article{after, title = {After the Broken One}, abstract = {${ABSTRACT}}}`,
    ].join('\n');
    const { records, problems } = parseBibtex(text);
    expect(records.map((r) => [r.bibtex_key, r.line])).toEqual([['first', 1], ['after', 7]]);
    expect(problems).toHaveLength(1);
    expect(problems[0]?.line).toBe(3);
    expect(problems[0]?.message).toMatch(/^broken entry @article\{broken: .*; skipped$/);
    expect(problems[0]?.message).not.toMatch(/\\n/);
  });

  it('reports a duplicate citation key with both lines and keeps the first entry', () => {
    const text = [`@article{same, title = {One}, abstract = {${ABSTRACT}}}`, `@article{same, title = {Two}, abstract = {${ABSTRACT}}}`].join('\n');
    const { records, problems } = parseBibtex(text);
    expect(records.map((r) => r.title)).toEqual(['One']);
    expect(problems).toEqual([{ line: 2, message: 'duplicate citation key "same" (first at line 1); skipped' }]);
  });

  it('says which field it left out and why, and treats a too-short abstract as missing', () => {
    const { records, problems } = parseBibtex('@misc{odd, title = {Odd}, year = {n.d.}, url = {ftp://example.org/x}, abstract = {Too short.}}');
    expect(records).toEqual([{ bibtex_key: 'odd', line: 1, title: 'Odd' }]);
    expect(problems.map((p) => p.message)).toEqual([
      'entry "odd": year "n.d." is not a four-digit year; left out',
      'entry "odd": url "ftp://example.org/x" is not an http(s) link; left out',
      'entry "odd": abstract is 10 characters, too short to be one (at least 100 expected); treated as missing',
    ]);
  });

  it('turns rich text and math into plain text, keeping a "<" the entry wrote and dropping unknown commands but not their argument', () => {
    const { records, problems } = parseBibtex(
      String.raw`@article{rich, title = {\textsc{Bert} Is \textbf{Not} {\textless}All{\textgreater} You Need}, abstract = {${ABSTRACT} It runs in $\mathcal{O}(n^2)$ time with $p < 0.05$ and \emph{no} tuning.}}`,
    );
    expect(records[0]?.title).toBe('Bert Is Not <All> You Need');
    expect(records[0]?.abstract).toBe(`${ABSTRACT} It runs in O(n²) time with p<0.05 and no tuning.`);
    expect(problems).toEqual([{ line: 1, message: 'entry "rich": unknown LaTeX command \\mathcal left out (its argument kept)' }]);
  });
});

describe('abstract length per script', () => {
  it('keeps a whole Chinese abstract of 90 characters, which the corpus accepts, instead of treating it as missing', () => {
    const chinese = '我们研究带噪声标签的深度学习，提出一种快速的元更新策略，用逐层近似代替元梯度计算中最昂贵的步骤。实验表明该方法节省三分之二的训练时间，同时保持相当或更好的泛化性能，并在多个基准上取得了优异结果。'.slice(0, 90);
    const { records, problems } = parseBibtex(`@article{zh2024, title = {噪声标签的快速元更新}, year = {2024}, abstract = {${chinese}}}`);
    expect(problems).toEqual([]);
    const [record] = records;
    expect(record?.abstract).toBe(chinese);
    expect(record !== undefined && hasAbstract(record)).toBe(true);
  });
});
