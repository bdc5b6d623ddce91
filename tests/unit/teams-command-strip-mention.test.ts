/**
 * From a Teams message `text` to the command typed: the bot's mention removed, entities decoded,
 * whitespace tidied.
 */
import { describe, expect, it } from 'vitest';
import {
  collapseWhitespace,
  decodeHtmlEntities,
  stripBotMention,
} from '../../src/teams/commands/strip-mention.js';

const BOT_MENTION = '<at>Runsheet</at>';

describe('stripBotMention', () => {
  it.each([
    // The shared fixture channel-command.json.
    [
      '<at>Runsheet</at> hold TRT-12345a waiting for DBA sign-off\n',
      [BOT_MENTION],
      'hold TRT-12345a waiting for DBA sign-off',
    ],
    ['resume trt-12345A', [], 'resume trt-12345A'],
    ['hold TRT-1 <at>Runsheet</at> waiting', [BOT_MENTION], 'hold TRT-1 waiting'],
    ['<at>Runsheet Bot</at> status TRT-1', [], 'status TRT-1'],
    ['<at id="0">Runsheet</at>help', [], 'help'],
    ['<at>Runsheet</at> <at>Bot</at> help', [], 'help'],
    ['<AT>Runsheet</AT> help', [], 'help'],
    [
      '<at>Runsheet</at> hold TRT-1 waiting for <at>Luca Engine</at>',
      [BOT_MENTION],
      'hold TRT-1 waiting for Luca Engine',
    ],
    [
      '<at>Runsheet</at>&nbsp;hold TRT-1 R&amp;D &lt;sign-off&gt;',
      [BOT_MENTION],
      'hold TRT-1 R&D <sign-off>',
    ],
    ['fail TRT-1 &quot;disk&quot; isn&#39;t &apos;full&apos;', [], `fail TRT-1 "disk" isn't 'full'`],
    ['  <at>Runsheet</at>\r\n\tstart\u00a0TRT-1\u200b  ', [BOT_MENTION], 'start TRT-1'],
    ['st\u200Bart TRT-1', [], 'start TRT-1'],
    ['', [BOT_MENTION], ''],
    ['<at>Runsheet</at>', [BOT_MENTION], ''],
    ['help', [''], 'help'],
  ])('%j → %j', (text, mentions, expected) => {
    expect(stripBotMention(text, mentions)).toBe(expected);
  });

  it('keeps the zero-width joiner of an emoji sequence in a reason', () => {
    expect(stripBotMention('hold TRT-1 👩‍💻 on it', [])).toBe('hold TRT-1 👩‍💻 on it');
  });

  it('stays linear on a hostile message of unclosed tags', () => {
    const hostile = `${'<at'.repeat(50_000)} ${'<at>x'.repeat(20_000)}`;
    const started = performance.now();
    expect(typeof stripBotMention(hostile, [BOT_MENTION])).toBe('string');
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe('decodeHtmlEntities', () => {
  it.each([
    ['&amp;lt;', '&lt;'],
    ['&#x41;&#66;&#X43;', 'ABC'],
    ['&NBSP;', ' '],
    ['&#9999999; &#0; &#xFFFFFF;', '&#9999999; &#0; &#xFFFFFF;'],
    ['&copy; &unknown; & ;', '&copy; &unknown; & ;'],
    ['&#128512;', '😀'],
  ])('%j → %j', (text, expected) => {
    expect(decodeHtmlEntities(text)).toBe(expected);
  });
});

describe('collapseWhitespace', () => {
  it('collapses every kind of space and line break, and trims', () => {
    expect(collapseWhitespace('\u2003a \u00a0\u3000b\r\n\u2028c\ufeff ')).toBe('a b c');
  });
});
