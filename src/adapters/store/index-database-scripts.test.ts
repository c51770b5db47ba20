/**
 * Every script through a real index (corpus files → SQLite/FTS5 → retrieval): Chinese and Japanese abstracts
 * of 85–97 characters are whole abstracts, a word inside a Chinese or Japanese sentence matches, and Arabic
 * and English keep working. FTS5's trigram tokenizer was measured first and left aside: it cannot match a
 * two-character word (噪声, 剪枝, 学習), which most Chinese and Japanese words are.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retrieve } from '../../core/retrieval/hybrid-search.ts';
import { buildIndex, type BuildReport } from '../../indexing/build-index.ts';
import type { OpenPaperStore } from '../../indexing/index-backend.ts';
import { sqliteHnswBackend } from '../sqlite-hnsw-backend.ts';

const PAPERS = [
  { id: 'zh-pruning', title: '基于神经元融合的结构化剪枝', abstract: '本文研究深度神经网络的结构化剪枝问题。我们提出一种基于神经元融合的方法，在移除冗余通道的同时保留原有知识，无需重新训练即可保持模型精度。实验表明该方法在多个图像分类数据集上优于现有剪枝方法。' },
  { id: 'zh-speech', abstract: '我们研究单通道语音分离问题，即从一个麦克风录制的混合信号中恢复多个说话人的声音。本文提出一种基于时域卷积的分离模型，并在公开数据集上取得了更好的分离效果与更低的计算成本。' },
  { id: 'ja-noise', abstract: 'ラベルノイズを含むデータから頑健に学習するため、メタ学習に基づく重み付け手法を提案する。少量のクリーンなデータを用いてサンプルごとの重みを推定し、ノイズの多い画像分類タスクで高い精度を達成した。' },
  { id: 'ar-pruning', abstract: 'نقترح في هذا البحث طريقة جديدة لتقليم الشبكات العصبية العميقة عن طريق دمج الخلايا العصبية المتشابهة، مما يقلل حجم النموذج مع الحفاظ على دقته دون الحاجة إلى إعادة التدريب.' },
  { id: 'en-recsys', abstract: 'We model the multiple interests of a user for sequential recommendation with a mixture of attention heads, and show gains on three public benchmarks against single-vector user models.' },
];

let tmp: string;
let report: BuildReport;
let store: OpenPaperStore;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'paperbot-scripts-'));
  const corpusDir = path.join(tmp, 'corpus');
  mkdirSync(corpusDir);
  const tooShort = { id: 'zh-fragment', abstract: '一种新的剪枝方法，用于神经网络。' };
  writeFileSync(path.join(corpusDir, 'papers.jsonl'), `${[...PAPERS, tooShort].map((p) => JSON.stringify(p)).join('\n')}\n`);
  const backend = sqliteHnswBackend(path.join(tmp, 'index'), { m: 8, efConstruction: 50, efSearch: 50 });
  report = await buildIndex({ corpusDir, embedder: null, backend });
  store = await backend.papers.open(report.buildDir);
});
afterAll(async () => {
  await store.close();
  rmSync(tmp, { recursive: true, force: true });
});

const best = async (question: string) =>
  (await retrieve(question, { store }, { topK: 3, maxPassagesPerPaper: 1, gateMinCoverage: 0, gateMinSimilarity: undefined })).closest.map((p) => p.id);

describe('Chinese, Japanese, Arabic and English in one index', () => {
  it('keeps 85–97 character Chinese and Japanese abstracts and refuses a 16-character fragment, saying how it counted', async () => {
    expect((await store.counts()).papers).toBe(5);
    expect(report.problems.map((p) => p.message)).toEqual([
      'abstract is 16 characters (44 counting a Chinese or Japanese character as 3), too short to be one (at least 100 expected); skipped',
    ]);
  });

  it('finds a Chinese paper from a word inside one of its sentences', async () => {
    expect((await best('如何对神经网络进行剪枝？'))[0]).toBe('zh-pruning');
    expect((await best('麦克风'))[0]).toBe('zh-speech');
  });

  it('finds a Japanese paper from words inside its sentences', async () => {
    expect((await best('ラベルノイズに頑健な学習'))[0]).toBe('ja-noise');
  });

  it('still finds Arabic and English papers', async () => {
    expect((await best('تقليم الشبكات العصبية'))[0]).toBe('ar-pruning');
    expect((await best('multiple interests recommendation'))[0]).toBe('en-recsys');
  });

  it('looks a paper up by a word of its Chinese title', async () => {
    expect((await store.findPapers('剪枝', 5)).map((p) => p.id)).toEqual(['zh-pruning']);
  });
});
