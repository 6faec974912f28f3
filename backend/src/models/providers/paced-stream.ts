import { sleep } from './provider.js';

/** Split text into token-sized pieces (a word with its leading space, long words cut at 8 chars). */
export function tokenize(text: string): string[] {
  const pieces = text.match(/\s*[^\s]{1,8}|\s+/g);
  return pieces ?? [];
}

/**
 * Stream `text` at `tokensPerSecond`, handing out what is due every `tickMs` so a fast rate does not
 * mean one timer per token. Returns the number of tokens sent.
 */
export async function streamPaced(
  text: string,
  tokensPerSecond: number,
  signal: AbortSignal,
  onText: (text: string) => void,
  tickMs = 20,
): Promise<number> {
  const tokens = tokenize(text);
  if (!Number.isFinite(tokensPerSecond) || tokensPerSecond <= 0) {
    if (text) onText(text);
    return tokens.length;
  }
  const start = performance.now();
  let sent = 0;
  while (sent < tokens.length) {
    const due = Math.min(
      tokens.length,
      Math.max(sent + 1, Math.floor(((performance.now() - start) / 1000) * tokensPerSecond)),
    );
    onText(tokens.slice(sent, due).join(''));
    sent = due;
    if (sent < tokens.length) {
      const nextDueAt = start + ((sent + 1) / tokensPerSecond) * 1000;
      await sleep(Math.max(tickMs, nextDueAt - performance.now()), signal);
    }
  }
  return tokens.length;
}
