/**
 * The index build's side of `papers.sqlite`: a new store, or the previous build's copy brought to this
 * schema, and the writes of an incremental build (upsert and remove papers with their passages and FTS rows,
 * track which passages have vectors). Reading is inherited from IndexDatabase.
 *
 * Passage ids are AUTOINCREMENT integers and double as vector labels: an id is never reused, so a label
 * deleted from the vector index can never come back meaning another passage.
 */
import Database from 'better-sqlite3';
import type { Paper } from '../../core/corpus/paper.ts';
import type { PassageToEmbed, WritablePaperStore } from '../../core/retrieval/paper-store.ts';
import { segmentWords } from '../../core/text.ts';
import { IndexDatabase, sqliteOptions, type IndexDatabaseOptions } from './index-database.ts';
import { INDEX_MIGRATIONS } from './index-migrations.ts';
import { migrate } from './sqlite-migrations.ts';

export class IndexDatabaseWriter extends IndexDatabase implements WritablePaperStore {
  private readonly write;

  private constructor(db: Database.Database) {
    super(db, null);
    this.write = {
      rowidOf: db.prepare('SELECT rowid FROM papers WHERE id = ?').pluck(),
      insertPaper: db.prepare(
        `INSERT INTO papers (id, label, title, authors, year, venue, url, doi, arxiv_id, primary_category, abstract, aliases, source, content_hash, text_hash, added_at, position)
         VALUES (@id, @label, @title, @authors, @year, @venue, @url, @doi, @arxivId, @primaryCategory, @abstract, @aliases, @source, @contentHash, @textHash, @addedAt, @position)`,
      ),
      updatePaper: db.prepare(
        `UPDATE papers SET label=@label, title=@title, authors=@authors, year=@year, venue=@venue, url=@url, doi=@doi, arxiv_id=@arxivId, primary_category=@primaryCategory,
         abstract=@abstract, aliases=@aliases, source=@source, content_hash=@contentHash, text_hash=@textHash, position=@position WHERE id=@id`,
      ),
      deletePaper: db.prepare('DELETE FROM papers WHERE id = ?'),
      insertPaperFts: db.prepare('INSERT INTO papers_fts (rowid, label, title, aliases, authors, ident) VALUES (?, ?, ?, ?, ?, ?)'),
      deletePaperFts: db.prepare('DELETE FROM papers_fts WHERE rowid = ?'),
      insertPassage: db.prepare('INSERT INTO passages (paper_id, ord, text) VALUES (?, ?, ?)'),
      insertPassageFts: db.prepare('INSERT INTO passages_fts (rowid, title, text) VALUES (?, ?, ?)'),
      deletePassageFts: db.prepare('DELETE FROM passages_fts WHERE rowid = ?'),
      deletePassagesOf: db.prepare('DELETE FROM passages WHERE paper_id = ?'),
      toEmbed: db.prepare('SELECT id, paper_id AS paperId, text FROM passages WHERE embedded = 0 ORDER BY id'),
      markEmbedded: db.prepare('UPDATE passages SET embedded = 1 WHERE id IN (SELECT value FROM json_each(?))'),
      markAllUnembedded: db.prepare('UPDATE passages SET embedded = 0'),
      embeddedIds: db.prepare('SELECT id FROM passages WHERE embedded = 1 ORDER BY id').pluck(),
    };
  }

  /** A new, empty store at `file` (which must not exist). */
  static create(file: string, options: IndexDatabaseOptions = {}): IndexDatabaseWriter {
    const db = new Database(file, sqliteOptions(options));
    db.pragma('journal_mode = DELETE');
    return IndexDatabaseWriter.prepare(db, file);
  }

  /** An existing store opened for writing (the build's copy of the previous one), brought to this schema. */
  static override open(file: string, options: IndexDatabaseOptions = {}): IndexDatabaseWriter {
    return IndexDatabaseWriter.prepare(new Database(file, { fileMustExist: true, ...sqliteOptions(options) }), file);
  }

  private static prepare(db: Database.Database, file: string): IndexDatabaseWriter {
    try {
      db.pragma('foreign_keys = ON');
      migrate(db, INDEX_MIGRATIONS, { file, what: 'the text store of an index build', tooNewCode: 'E_INDEX_SCHEMA', tooNewAdvice: 'Run `npm run index` to rebuild the index.' });
      return new IndexDatabaseWriter(db);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /**
   * By hand around the awaited `fn` (better-sqlite3's db.transaction takes synchronous functions only): the
   * build is the writer's one user, so nothing else runs statements inside it meanwhile.
   */
  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    this.db.exec('BEGIN');
    try {
      const result = await fn();
      this.db.exec('COMMIT');
      return result;
    } catch (error) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw error;
    }
  }

  upsertPaper(paper: Paper, { addedAt, position, passages }: { addedAt: string; position: number; passages?: readonly string[] }): number[] {
    const existing = this.write.rowidOf.get(paper.id) as number | undefined;
    let removed: number[] = [];
    if (existing !== undefined) {
      this.write.deletePaperFts.run(existing);
      if (passages !== undefined) removed = this.deletePassagesOf(paper.id);
      this.write.updatePaper.run(paperParams(paper, position));
    } else {
      this.write.insertPaper.run({ ...paperParams(paper, position), addedAt });
    }
    const rowid = existing ?? (this.write.rowidOf.get(paper.id) as number);
    // Chinese and Japanese text is indexed word by word (segmentWords), as questions are tokenized.
    this.write.insertPaperFts.run(rowid, segmentWords(paper.label), segmentWords(paper.title ?? ''), segmentWords(paper.aliases.join(' ')), paper.authors.join(' '), [paper.id, paper.doi ?? '', paper.arxivId ?? ''].join(' '));

    if (passages !== undefined) {
      const title = [paper.title ?? '', ...paper.aliases].join(' ');
      passages.forEach((text, ord) => {
        const id = Number(this.write.insertPassage.run(paper.id, ord, text).lastInsertRowid);
        this.write.insertPassageFts.run(id, segmentWords(title), segmentWords(text));
      });
    }
    this.dfCache.clear();
    this.countsCache = undefined;
    return removed;
  }

  removePaper(id: string): number[] {
    const rowid = this.write.rowidOf.get(id) as number | undefined;
    if (rowid === undefined) return [];
    const removed = this.deletePassagesOf(id);
    this.write.deletePaperFts.run(rowid);
    this.write.deletePaper.run(id);
    this.dfCache.clear();
    this.countsCache = undefined;
    return removed;
  }

  passagesToEmbed(): PassageToEmbed[] {
    return this.write.toEmbed.all() as PassageToEmbed[];
  }

  markEmbedded(ids: readonly number[]): void {
    this.write.markEmbedded.run(JSON.stringify(ids));
  }

  markAllUnembedded(): void {
    this.write.markAllUnembedded.run();
  }

  embeddedPassageIds(): number[] {
    return this.write.embeddedIds.all() as number[];
  }

  private deletePassagesOf(paperId: string): number[] {
    const ids = this.passageIdsOf(paperId);
    for (const id of ids) this.write.deletePassageFts.run(id);
    this.write.deletePassagesOf.run(paperId);
    return ids;
  }
}

function paperParams(paper: Paper, position: number) {
  return {
    id: paper.id,
    label: paper.label,
    title: paper.title,
    authors: JSON.stringify(paper.authors),
    year: paper.year,
    venue: paper.venue,
    url: paper.url,
    doi: paper.doi,
    arxivId: paper.arxivId,
    primaryCategory: paper.primaryCategory,
    abstract: paper.abstract,
    aliases: JSON.stringify(paper.aliases),
    source: paper.source,
    contentHash: paper.contentHash,
    textHash: paper.textHash,
    position,
  };
}
