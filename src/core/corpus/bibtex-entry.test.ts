import { readFileSync } from 'node:fs';
import { parse } from '@retorquere/bibtex-parser';
import { describe, expect, it } from 'vitest';
import { paper } from '../../../tests/support/paper-fixture.ts';
import { SHIPPED_CORPUS } from '../../dev/shipped-corpus.ts';
import { parseBibtex } from '../../sources/bibtex/bibtex-records.ts';
import { bibtexEntries, bibtexEntry, escapeBibtex, referenceLine } from './bibtex-entry.ts';
import { parseCorpusFile } from './parse-corpus-file.ts';

const shipped = parseCorpusFile('seed-papers.jsonl', readFileSync(SHIPPED_CORPUS, 'utf8')).papers;

describe('BibTeX entries of the shipped papers', () => {
  const text = bibtexEntries(shipped);

  it('gives each paper a key from first author, year and first significant title word, all different', () => {
    const keys = [...text.matchAll(/^@misc\{([^,\n]+),/gm)].map((m) => m[1]);
    expect(keys).toEqual([
      'li2023enhancing',
      'theus2024metapruning',
      'puranik2024improving',
      'luan2024gyroscopeassisted',
      'helwani2024sound',
      'zhao2024survey',
      'xu2021faster',
      'zhang2021deep',
      'daxberger2021bayesian',
      'cen2020controllable',
      'xiao2018generating',
    ]);
  });

  it('parses back (Better BibTeX parser, as `npm run import` reads files) to the corpus metadata, nothing added', () => {
    const { records, problems } = parseBibtex(text);
    expect(problems).toEqual([]);
    expect(records).toHaveLength(shipped.length);
    records.forEach((record, i) => {
      const p = shipped[i];
      if (p === undefined) throw new Error('one record per paper');
      expect(record.title).toBe(p.title);
      expect(record.authors).toEqual(p.authors);
      expect(record.year).toBe(p.year);
      expect(record.url).toBe(p.url ?? undefined);
      expect(record.doi).toBe(p.doi ?? undefined);
      expect(record.arxiv_id).toBe(p.arxivId ?? undefined);
    });
    const raw = parse(text, { english: false }).entries;
    expect(raw.map((e) => e.fields.howpublished ?? null)).toEqual(shipped.map((p) => p.venue));
  });

  it('writes arXiv papers with eprint and archivePrefix, DOI papers with doi, and leaves out what is not known', () => {
    const entry = (id: string) => bibtexEntry(shipped.find((p) => p.id === id) ?? paper('missing')).text;
    expect(entry('h:2c1eb30dd6caca47')).toBe(
      [
        '@misc{luan2024gyroscopeassisted,',
        '  author = {SiMin Luan and Cong Yang and Zeyd Boukhers and Xue Qin and Dongfeng Cheng and Wei Sui and Zhijun Li},',
        '  title = {Gyroscope-Assisted Motion Deblurring Network},',
        '  year = {2024},',
        '  eprint = {2402.06854},',
        '  archivePrefix = {arXiv},',
        '  url = {https://arxiv.org/abs/2402.06854}',
        '}',
      ].join('\n'),
    );
    // The category an arXiv paper was filed under, when its source said (arXiv's API), is its primaryClass.
    const filed = bibtexEntry({ ...paper('arxiv:2612.00001'), arxivId: '2612.00001', primaryCategory: 'cs.LG' }).text;
    expect(filed).toContain('  eprint = {2612.00001},\n  archivePrefix = {arXiv},\n  primaryClass = {cs.LG}\n}');
    expect(entry('h:2c1eb30dd6caca47')).not.toContain('primaryClass');
    expect(entry('doi:10.1145/3394486.3403344')).toContain('  doi = {10.1145/3394486.3403344},');
    expect(entry('doi:10.1145/3394486.3403344')).not.toContain('eprint');
    // No venue in the corpus for this one: no howpublished, no journal, no booktitle.
    expect(entry('h:2c1eb30dd6caca47')).not.toMatch(/howpublished|journal|booktitle|pages|volume|publisher/);
  });
});

describe('BibTeX entries of papers with little metadata', () => {
  it('keys an untitled paper without authors by its year, or by its id, and writes only what is known', () => {
    expect(bibtexEntry(paper('h:abc', { year: 2020 })).text).toBe('@misc{2020,\n  year = {2020}\n}');
    expect(bibtexEntry(paper('h:abc')).text).toBe('@misc{habc}');
    expect(bibtexEntry(paper('h:abc', { authors: ['Ada Lovelace'] })).key).toBe('lovelace');
  });

  it('makes keys unique within one list: a, b, … after the first', () => {
    const same = { title: 'Deep Nets', authors: ['Jane Doe'], year: 2021 };
    const keys = bibtexEntries([paper('a1', same), paper('a2', same), paper('a3', same)]).match(/@misc\{[^,]+/g);
    expect(keys).toEqual(['@misc{doe2021deep', '@misc{doe2021deepa', '@misc{doe2021deepb']);
  });

  it('escapes BibTeX special characters and braces acronyms, so LaTeX prints the title as written', () => {
    const text = bibtexEntry(paper('x', { title: 'Costs & 50% of $5 #1 on a_b {VaSSO} ~x^2 \\o', authors: ['Hernández-Lobato, José Miguel', 'Smith and Sons'] })).text;
    expect(text).toContain('title = {Costs \\& 50\\% of \\$5 \\#1 on a\\_b \\{VaSSO\\} \\textasciitilde{}x\\textasciicircum{}2 \\textbackslash{}o}');
    expect(text).toContain('author = {Hernández-Lobato, José Miguel and {Smith and Sons}}');
    expect(text).toMatch(/^@misc\{hernandezlobatocosts,/);
    expect(bibtexEntry(paper('y', { title: 'Improving SAM with VaSSO' })).text).toContain('title = {Improving {SAM} with {VaSSO}}');
    expect(escapeBibtex('a\n  b')).toBe('a b');
    const parsed = parseBibtex(text).records[0];
    expect(parsed?.title).toBe('Costs & 50% of $5 #1 on a_b {VaSSO} ~x^2 \\o');
  });
});

describe('plain reference lines', () => {
  it('gives authors, year, title, venue and links from the metadata', () => {
    const p = shipped.find((s) => s.id === 'h:05679148b73008c6');
    expect(p && referenceLine(p)).toBe(
      'Tianyi Zhao, Liangliang Zhang, Yao Ma, Lu Cheng (2024). A Survey on Safe Multi-Modal Learning Systems. KDD. https://doi.org/10.1145/3637528.3671462 · arXiv:2402.05355',
    );
  });

  it('marks an untitled paper as such instead of passing its label off as a title', () => {
    expect(referenceLine(paper('h:1', { label: 'VaSSO' }))).toBe('Untitled (labelled “VaSSO” by paperbot).');
  });
});
