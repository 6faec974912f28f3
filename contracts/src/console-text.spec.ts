import { describe, expect, it } from 'vitest';
import { stripTerminalEscapes } from './console-text.js';

describe('stripTerminalEscapes', () => {
  it("removes Werkzeug's coloured log line codes and keeps the text", () => {
    const line =
      '\u001B[31m\u001B[1mWARNING: This is a development server.\u001B[0m\n * Running on \u001B[33mhttp://127.0.0.1:8000\u001B[0m\n';
    expect(stripTerminalEscapes(line)).toBe(
      'WARNING: This is a development server.\n * Running on http://127.0.0.1:8000\n',
    );
  });

  it('removes 256-colour and true-colour SGR, cursor moves, erasing and the one-byte CSI', () => {
    expect(stripTerminalEscapes('\u001B[38;5;208mA\u001B[48;2;10;20;30mB\u001B[2K\u001B[1G\u001B[?25lC\u009B0mD')).toBe(
      'ABCD',
    );
  });

  it('removes OSC titles and hyperlinks, ended by BEL or ST, and charset escapes', () => {
    expect(
      stripTerminalEscapes('\u001B]0;title\u0007\u001B]8;;https://x.test\u001B\\link\u001B]8;;\u001B\\\u001B(Bdone'),
    ).toBe('linkdone');
  });

  it('leaves text without escapes as it is, brackets, tabs and non-Latin text included', () => {
    const text = 'a[31m] \t ✓ 数据 [0m\r\n';
    expect(stripTerminalEscapes(text)).toBe(text);
  });

  it('drops a lone ESC at the end of a chunk cut mid-sequence', () => {
    expect(stripTerminalEscapes('ok\u001B[3')).toBe('ok');
    expect(stripTerminalEscapes('ok\u001B')).toBe('ok');
  });
});
