/**
 * The one escaper: paper and user text shows as typed, model text keeps its formatting, and in both no link
 * paperbot did not build is clickable or previewed, nothing hides behind a spoiler or a masked link, and
 * @everyone is neither a ping nor highlighted. Also the URL and truncation helpers every renderer uses.
 */
import { describe, expect, it } from 'vitest';
import { escapeAnswer, escapeText } from './discord-markdown.ts';
import { graphemePrefix, linkUrl, sourceLink, truncate } from './limits.ts';
import { splitMessage } from './split-message.ts';

/** Every URL Discord would link or preview: outside code spans and not paperbot's own `<…>` link. */
function liveUrls(content: string): string[] {
  const outsideCode = content.replace(/```[\s\S]*?```|`[^`\n]*`/g, '');
  return [...outsideCode.matchAll(/[a-z][a-z0-9+.-]*:\/\/[^\s>)]+/gi)].map((m) => m[0]);
}

describe('escapeText: paper and user text, shown as typed', () => {
  it.each([
    ['a masked link', 'Read [the full paper](https://evil.example/x) now', 'Read the full paper (`https://evil.example/x`) now'],
    ['a masked link with a title', '[here](https://evil.example/x "Title")', 'here (`https://evil.example/x`)'],
    ['a bare URL', 'See https://example.org/a_b, or not.', 'See `https://example.org/a_b`, or not.'],
    ['a URL in parentheses', '(https://example.org/p).', '(`https://example.org/p`).'],
    ['a URL with its own parentheses', 'https://en.wikipedia.org/wiki/A_(b)', '`https://en.wikipedia.org/wiki/A_(b)`'],
    ['other schemes', 'ftp://files.example/x steam://run/1', '`ftp://files.example/x` `steam://run/1`'],
    ['a heading', '# Big title', '\\# Big title'],
    ['subtext', '-# small', '\\-# small'],
    ['a bulleted list', '- item', '\\- item'],
    ['a numbered list', '1. first', '1\\. first'],
    ['a quote', '> quoted', '\\> quoted'],
    ['a spoiler', '||hidden||', '\\|\\|hidden\\|\\|'],
    ['bold and italics', '**bold** _it_ ~~x~~ __u__', '\\*\\*bold\\*\\* \\_it\\_ \\~\\~x\\~\\~ \\_\\_u\\_\\_'],
    ['code', '`code` ```block```', '\\`code\\` \\`\\`\\`block\\`\\`\\`'],
    ['@everyone and @here', '@everyone @here', '@\u200beveryone @\u200bhere'],
    ['mentions, channels, timestamps', '<@123> <@&4> <#5> <t:1700000000:R>', '\\<@123> \\<@&4> \\<#5> \\<t:1700000000:R>'],
    ['a backslash', 'a\\b', 'a\\\\b'],
  ])('%s', (_what, input, expected) => {
    expect(escapeText(input)).toBe(expected);
  });

  it('leaves plain text alone', () => {
    expect(escapeText('Faster Meta Update Strategy for Noise-Robust Deep Learning (2021)')).toBe('Faster Meta Update Strategy for Noise-Robust Deep Learning (2021)');
  });
});

describe('escapeAnswer: the model keeps its formatting, never a live link', () => {
  it('keeps bold, lists and code, and makes links, headings, spoilers and @everyone inert', () => {
    const answer = [
      '# Summary',
      '**VaSSO** stabilises SAM [1], see [the paper](https://evil.example/vasso) or https://evil.example/raw.',
      '- it suppresses variance',
      '1. first',
      '||secret|| @everyone',
      '`https://in.code/span` and',
      '```',
      'https://in.code/block @everyone',
      '```',
    ].join('\n');
    expect(escapeAnswer(answer)).toBe(
      [
        '\\# Summary',
        '**VaSSO** stabilises SAM [1], see the paper (`https://evil.example/vasso`) or `https://evil.example/raw`.',
        '- it suppresses variance',
        '1. first',
        '\\|\\|secret\\|\\| @\u200beveryone',
        '`https://in.code/span` and',
        '```',
        'https://in.code/block @everyone',
        '```',
      ].join('\n'),
    );
    expect(liveUrls(escapeAnswer(answer))).toEqual([]);
  });

  it('keeps a citation used as a masked link a citation', () => {
    expect(escapeAnswer('It holds [2](https://evil.example/2).')).toBe('It holds [2] (`https://evil.example/2`).');
  });
});

describe('URLs paperbot sends', () => {
  it('normalizes, keeps http(s) only, refuses user info and overlong button URLs', () => {
    expect(linkUrl('HTTPS://Example.ORG/a b<c>')).toBe('https://example.org/a%20b%3Cc%3E');
    expect(linkUrl(' https://example.org ')).toBe('https://example.org/');
    expect(linkUrl('javascript:alert(1)')).toBeNull();
    expect(linkUrl('ftp://example.org/x')).toBeNull();
    expect(linkUrl('https://bank.example@evil.example/')).toBeNull();
    expect(linkUrl('not a url')).toBeNull();
    expect(linkUrl(`https://example.org/${'a'.repeat(600)}`)).toBeNull();
    expect(linkUrl(`https://example.org/${'a'.repeat(480)}`)).toHaveLength(500);
    expect(sourceLink('https://example.org/x y')).toBe(' <https://example.org/x%20y>');
    expect(sourceLink('javascript:alert(1)')).toBe('');
  });
});

describe('truncation never splits a grapheme', () => {
  const family = '👨‍👩‍👧‍👦';
  it.each([
    ['a surrogate pair', '😀'.repeat(60), 101],
    ['an emoji with a skin tone', '👍🏽'.repeat(40), 99],
    ['a family emoji (ZWJ sequence)', family.repeat(20), 100],
    ['a flag', '🇩🇪'.repeat(40), 99],
    ['an accent as a combining mark', 'e\u0301'.repeat(80), 101],
  ])('%s', (_what, text, max) => {
    const graphemes = new Set([...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text)].map((s) => s.segment));
    for (const cut of [graphemePrefix(text, max), truncate(text, max).replace(/…$/, '')]) {
      expect(cut.length).toBeLessThanOrEqual(max);
      expect(cut.length).toBeGreaterThan(0);
      for (const g of new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(cut)) expect(graphemes.has(g.segment)).toBe(true);
    }
    for (const part of splitMessage(text, max)) {
      for (const g of new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(part)) expect(graphemes.has(g.segment)).toBe(true);
    }
  });
});
