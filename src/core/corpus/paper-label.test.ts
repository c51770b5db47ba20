/**
 * Labels for papers without a title. The label is the title when there is one, else the method the abstract
 * itself introduces, else its first words: never text the paper does not contain.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { definedAcronyms, firstWords, introducedMethod, paperLabel } from './paper-label.ts';
import { parseCorpusFile } from './parse-corpus-file.ts';

/** The label must be found in the title or the abstract (the ellipsis of "first words" aside). */
function expectFromText(label: string, fields: { title: string | null; abstract: string }): void {
  const bare = label.replace(/…$/, '');
  expect(bare.length).toBeGreaterThan(0);
  const haystacks = [fields.title ?? '', fields.abstract.replace(/\s+/g, ' ')];
  expect(haystacks.some((h) => h.includes(bare))).toBe(true);
}

const CASES: { name: string; abstract: string; label: string }[] = [
  {
    name: '"a novel approach named X"',
    abstract: 'Pruning removes neurons. We propose a novel approach named Intra-Fusion, which fuses neurons instead of dropping them, and evaluate it widely.',
    label: 'Intra-Fusion',
  },
  {
    name: '"called X"',
    abstract: 'Users have many interests. Our framework, called ComiRec, captures multiple interests of each user for recommendation at industrial scale.',
    label: 'ComiRec',
  },
  {
    name: '"we propose X"',
    abstract: 'Adversarial examples fool classifiers. In this paper we propose AdvGAN to generate adversarial examples with generative adversarial networks.',
    label: 'AdvGAN',
  },
  {
    name: 'capitalized words spelled out by an acronym',
    abstract: 'Noisy labels hurt deep networks. We introduce a novel Faster Meta Update Strategy (FaMUS) that approximates the meta gradient to save time.',
    label: 'FaMUS',
  },
];

describe('paperLabel', () => {
  it('uses the title when there is one, trimmed', () => {
    const fields = { title: '  Deep Stable Learning for Out-of-Distribution Generalization ', abstract: CASES[2]?.abstract ?? '' };
    expect(paperLabel(fields)).toBe('Deep Stable Learning for Out-of-Distribution Generalization');
  });

  it('ignores a blank title', () => {
    expect(paperLabel({ title: '   ', abstract: CASES[2]?.abstract ?? '' })).toBe('AdvGAN');
  });

  it.each(CASES)('takes the method the abstract introduces: $name', ({ abstract, label }) => {
    expect(paperLabel({ title: null, abstract })).toBe(label);
    expectFromText(label, { title: null, abstract });
  });

  it('falls back to the first eight words with an ellipsis when no method is named', () => {
    const abstract = 'While neural network approaches have made significant strides, hybrid approaches produce more complete solutions for source separation.';
    const label = paperLabel({ title: null, abstract });
    expect(label).toBe('While neural network approaches have made significant strides…');
    expectFromText(label, { title: null, abstract });
  });

  it('does not take an acronym whose initials do not match the words before it', () => {
    const abstract = 'Robustness matters. We introduce a Simple Training Recipe (XYZ) that improves robustness of vision models on many hard benchmarks.';
    expect(introducedMethod(abstract)).toBeNull();
    expect(paperLabel({ title: null, abstract })).toBe('Robustness matters. We introduce a Simple Training Recipe…');
  });

  it('does not take an ordinary capitalized word after "we propose"', () => {
    const abstract = 'We propose Bayesian inference over a subnetwork of a large model, which keeps uncertainty estimates cheap and expressive at once.';
    expect(introducedMethod(abstract)).toBeNull();
  });

  it('never ends a first-words label on dangling punctuation, and adds no ellipsis to a short text', () => {
    expect(firstWords('One, two, three, four, five, six, seven, eight, nine, ten')).toBe('One, two, three, four, five, six, seven, eight…');
    expect(firstWords('Just four short words.')).toBe('Just four short words');
  });

  it('never invents text, whatever the abstract', () => {
    const abstracts = [
      ...CASES.map((c) => c.abstract),
      'We present results on CIFAR-10 and ImageNet showing that our approach improves robustness of vision models on many tasks.',
      'A method dubbed "FlashSim" is proposed.  It\nis fast and accurate on many simulation benchmarks used in practice.',
      'We propose the Tilted Exponential (TEXP) layer; it is not spelled out by capitals, and so on and so forth in detail.',
    ];
    for (const abstract of abstracts) expectFromText(paperLabel({ title: null, abstract }), { title: null, abstract });
  });
});

describe('definedAcronyms', () => {
  it('finds acronyms defined in parentheses, plural or not, and ignores ordinary parentheses', () => {
    const text = 'Sharpness-aware minimization (SAM) is improved by VaSSO (VaSSO). Deep networks (DNNs) and (see above) or (a) are not.';
    expect(definedAcronyms(text)).toEqual(['SAM', 'VaSSO', 'DNN']);
  });
});

describe('the shipped corpus', () => {
  const file = fileURLToPath(new URL('../../../corpus/seed-papers.jsonl', import.meta.url));
  const { papers, problems } = parseCorpusFile('seed-papers.jsonl', readFileSync(file, 'utf8'));

  it('loads without a problem', () => {
    expect(problems).toEqual([]);
    expect(papers).toHaveLength(11);
  });

  it('without their titles, labels the papers by the method they name, else their first words', () => {
    // Every shipped paper has its title now; a file of bare abstracts is labelled from the text alone.
    const untitled = papers.map((p) => [p.source, paperLabel({ title: null, abstract: p.abstract })]);
    expect(untitled.filter(([source]) => ['2', '4', '5', '6', '11'].includes(source?.split(':')[1] ?? ''))).toEqual([
      ['seed-papers.jsonl:2', 'Intra-Fusion'],
      ['seed-papers.jsonl:4', 'Image research has shown substantial attention in deblurring…'],
      ['seed-papers.jsonl:5', 'While neural network approaches have made significant strides…'],
      ['seed-papers.jsonl:6', 'With the wide deployment of multimodal learning systems…'],
      ['seed-papers.jsonl:11', 'AdvGAN'],
    ]);
  });

  it('labels every paper with text found in its title or abstract', () => {
    for (const paper of papers) expectFromText(paper.label, paper);
  });
});
