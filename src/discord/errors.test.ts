import { describe, expect, it } from 'vitest';
import { UserError } from '../core/errors.ts';
import { describeForLog, scrubSecrets } from '../core/redact-secrets.ts';
import { fatalCloseSentence, userFacingMessage } from './errors.ts';
import { buttonKind, feedbackId, parseFeedbackId, parseSimilarId, similarId } from './custom-ids.ts';
import { parseDeployArgs } from './deploy-commands.ts';

const TOKEN = 'MTIz.secret-token-value';

describe('scrubSecrets and describeForLog', () => {
  it('removes the bot token and interaction tokens from messages, URLs and stacks', () => {
    const error = Object.assign(new Error(`Unknown interaction at /interactions/123/aW50ZXJhY3Rpb24tdG9rZW4/callback with ${TOKEN}`), {
      url: 'https://discord.com/api/v10/webhooks/456/aW50ZXJhY3Rpb24tdG9rZW4/messages/@original',
      code: 10062,
      status: 404,
    });
    const described = JSON.stringify(describeForLog(new Error('outer', { cause: error }), [TOKEN]));
    expect(described).not.toContain(TOKEN);
    expect(described).not.toContain('aW50ZXJhY3Rpb24tdG9rZW4');
    expect(described).toContain('/interactions/123/[token]/callback');
    expect(described).toContain('/webhooks/456/[token]/messages');
    expect(described).toContain('"code":10062');
    expect(described).toContain('"stack":"Error: outer');
  });

  it('ignores secrets too short to be real (they would scrub ordinary words)', () => {
    expect(scrubSecrets('a b c', ['a'])).toBe('a b c');
  });
});

describe('userFacingMessage', () => {
  it("shows a UserError's sentence, and only an error id for anything else", () => {
    expect(userFacingMessage(new UserError('E_X', 'Your question is too long.'), 'id1')).toBe('Your question is too long.');
    const generic = userFacingMessage(new TypeError('x is undefined at /srv/secret/path.ts'), 'id1');
    expect(generic).toContain('`id1`');
    expect(generic).not.toContain('undefined');
  });
});

describe('custom ids', () => {
  it('round-trip and stay within 100 characters', () => {
    expect(parseFeedbackId(feedbackId('down', 'abc123'))).toEqual({ vote: 'down', answerId: 'abc123' });
    expect(parseFeedbackId('feedback:maybe:abc')).toBeNull();
    expect(parseSimilarId(similarId('doi:10.1/x') ?? '')).toEqual({ paperId: 'doi:10.1/x' });
    expect(similarId('x'.repeat(100))).toBeNull();
    expect(buttonKind('feedback:up:a')).toBe('feedback');
    expect(buttonKind('similar:p')).toBe('similar');
    expect(buttonKind('other')).toBeNull();
  });
});

describe('parseDeployArgs', () => {
  it('reads --guild ID or --guild=ID, and refuses anything else', () => {
    expect(parseDeployArgs([])).toEqual({ guildId: null });
    expect(parseDeployArgs(['--guild', '123'])).toEqual({ guildId: '123' });
    expect(parseDeployArgs(['--guild=456'])).toEqual({ guildId: '456' });
    expect(parseDeployArgs(['--help'])).toEqual({ help: true });
    expect(() => parseDeployArgs(['--guild', 'general'])).toThrow(/needs a server id/);
    expect(() => parseDeployArgs(['--global'])).toThrow(/Unknown option --global/);
  });
});

describe('fatalCloseSentence', () => {
  it('tells a bot that needs sharding (4011) or has a wrong shard count (4010) to set DISCORD_SHARDS', () => {
    expect(fatalCloseSentence(4011)).toMatch(/code 4011 \(sharding required.*set DISCORD_SHARDS=auto/);
    expect(fatalCloseSentence(4010)).toMatch(/code 4010 \(invalid shard.*DISCORD_SHARDS=auto/);
  });
});
