/**
 * One-sentence TL;DRs from the language model, remembered per paper text (a preview and the post that
 * follows show the same sentence, and a paper featured in several channels costs one call). Any failure
 * leaves the paper out of the result, which means its extractive TL;DR is shown. Without a model, every
 * TL;DR is extractive and nothing is asked.
 */
import type { ChatModel } from '../core/answering/chat-model.ts';
import type { Paper } from '../core/corpus/paper.ts';
import { buildTldrMessages, tidyLlmTldr } from '../core/digest/tldr.ts';
import type { Logger } from '../core/logger.ts';

/** What a TL;DR is written from. */
export type TldrPaper = Pick<Paper, 'id' | 'textHash' | 'title' | 'label' | 'abstract'>;

export class TldrWriter {
  private readonly cache = new Map<string, string>();

  constructor(
    private readonly chatModel: ChatModel | undefined,
    private readonly logger: Logger,
    private readonly maxCached = 2_000,
  ) {}

  /** The model's TL;DR of each paper it managed, by paper id. */
  async write(papers: readonly TldrPaper[], signal?: AbortSignal): Promise<Map<string, string>> {
    const result = new Map<string, string>();
    const model = this.chatModel;
    if (model === undefined) return result;
    let failures = 0;
    let firstError: unknown;
    await Promise.all(
      papers.map(async (paper) => {
        const key = `${paper.id}\u0000${paper.textHash}\u0000${model.model}`;
        const cached = this.cache.get(key);
        if (cached !== undefined) {
          result.set(paper.id, cached);
          return;
        }
        try {
          const reply = await model.complete(buildTldrMessages({ label: paper.title ?? paper.label, abstract: paper.abstract }), signal ? { signal } : {});
          const tldr = tidyLlmTldr(reply);
          if (tldr === null) return;
          result.set(paper.id, tldr);
          this.remember(key, tldr);
        } catch (error) {
          failures += 1;
          firstError ??= error;
        }
      }),
    );
    if (failures > 0) {
      this.logger.warn(
        { failures, papers: papers.length, err: firstError instanceof Error ? { name: firstError.name, message: firstError.message } : String(firstError) },
        'the language model could not write digest TL;DRs: those papers show the key sentence of their abstract',
      );
    }
    return result;
  }

  private remember(key: string, tldr: string): void {
    if (this.cache.size >= this.maxCached) {
      const oldest = this.cache.keys().next();
      if (oldest.done !== true) this.cache.delete(oldest.value);
    }
    this.cache.set(key, tldr);
  }
}
