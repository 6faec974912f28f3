/** A judge's verdict on a battle, from side A's point of view as shown to the judge. */
export type Verdict = 'A' | 'B' | 'tie' | 'both_bad';
export const VERDICTS: readonly Verdict[] = ['A', 'B', 'tie', 'both_bad'];

/** Arena-Hard's five labels. */
export type PairwiseLabel = 'A>>B' | 'A>B' | 'A=B' | 'B>A' | 'B>>A';

export type ParsedVerdict =
  | { ok: true; verdict: Verdict; label?: PairwiseLabel; reasoning?: string; format: 'json' | 'label' }
  | { ok: false; reason: 'nothing_parseable' | 'ambiguous' };

const LABEL = /\[\[\s*([AB])\s*(>>|>|=|<<|<)\s*([AB])\s*\]\]/gi;

function normalizeLabel(left: string, op: string, right: string): PairwiseLabel | undefined {
  const l = left.toUpperCase();
  const r = right.toUpperCase();
  if (l === r) return undefined;
  // Written from B's side ("[[B<A]]") or with A on the right: flip to Arena-Hard's canonical form.
  const flipped: Record<string, string> = { '>>': '<<', '>': '<', '=': '=', '<<': '>>', '<': '>' };
  const [first, operator] = l === 'A' ? [l, op] : ['A', flipped[op]!];
  const canonical = `${first}${operator}B`;
  const map: Record<string, PairwiseLabel> = {
    'A>>B': 'A>>B',
    'A>B': 'A>B',
    'A=B': 'A=B',
    'A<B': 'B>A',
    'A<<B': 'B>>A',
  };
  return map[canonical];
}

export function labelToVerdict(label: PairwiseLabel): Verdict {
  return label.startsWith('A>') ? 'A' : label.startsWith('B>') ? 'B' : 'tie';
}

const VERDICT_WORDS: [RegExp, Verdict][] = [
  [/^(?:both[\s_-]*bad|vote[_\s]*both[_\s]*bad|neither|tie\s*\(?\s*both\s*bad\s*\)?)$/i, 'both_bad'],
  [/^(?:tie|draw|equal|vote[_\s]*tie|a\s*=\s*b)$/i, 'tie'],
  [/^(?:a|model[\s_-]*a|assistant[\s_-]*a|left|vote[_\s]*(?:left|model[_\s]*a)|model_a)$/i, 'A'],
  [/^(?:b|model[\s_-]*b|assistant[\s_-]*b|right|vote[_\s]*(?:right|model[_\s]*b)|model_b)$/i, 'B'],
];

export function verdictFromWord(word: string): Verdict | undefined {
  const text = word.trim().replace(/^["'`*\s]+|["'`*.\s]+$/g, '');
  return VERDICT_WORDS.find(([pattern]) => pattern.test(text))?.[1];
}

/** JSON objects in a text: fenced ```json blocks first, then any balanced {...} span. */
function jsonCandidates(text: string): unknown[] {
  const out: unknown[] = [];
  const tryParse = (s: string): void => {
    try {
      out.push(JSON.parse(s));
    } catch {
      // not JSON
    }
  };
  for (const m of text.matchAll(/```(?:json)?\s*([\s\S]*?)```/gi)) tryParse(m[1]!.trim());
  for (let start = text.indexOf('{'); start !== -1; start = text.indexOf('{', start + 1)) {
    let depth = 0;
    let inString = false;
    for (let i = start; i < text.length; i++) {
      const c = text[i];
      if (inString) {
        if (c === '\\') i += 1;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === '{') depth += 1;
      else if (c === '}' && --depth === 0) {
        tryParse(text.slice(start, i + 1));
        break;
      }
    }
  }
  return out;
}

const VERDICT_KEYS = ['verdict', 'winner', 'choice', 'decision', 'vote', 'preference', 'result'];
const REASON_KEYS = ['reasoning', 'rationale', 'explanation', 'reason', 'analysis'];

/**
 * Read a judge's answer: a structured JSON verdict (possibly fenced, amid prose, any case, several key and
 * value spellings) or Arena-Hard's `[[A>>B]]` … `[[B>>A]]` labels. Several different verdicts are ambiguous.
 */
export function parseVerdict(output: string): ParsedVerdict {
  const found: { verdict: Verdict; label?: PairwiseLabel; reasoning?: string; format: 'json' | 'label' }[] = [];
  for (const candidate of jsonCandidates(output)) {
    if (!candidate || typeof candidate !== 'object' || Array.isArray(candidate)) continue;
    const entries = Object.entries(candidate as Record<string, unknown>);
    const value = entries.find(([k]) => VERDICT_KEYS.includes(k.toLowerCase()))?.[1];
    if (typeof value !== 'string') continue;
    const fromLabel = /^\s*\[*\s*([AB])\s*(>>|>|=|<<|<)\s*([AB])\s*\]*\s*$/i.exec(value);
    const label = fromLabel ? normalizeLabel(fromLabel[1]!, fromLabel[2]!, fromLabel[3]!) : undefined;
    const verdict = label ? labelToVerdict(label) : verdictFromWord(value);
    if (!verdict) continue;
    const reasoning = entries.find(([k]) => REASON_KEYS.includes(k.toLowerCase()))?.[1];
    found.push({
      verdict,
      ...(label ? { label } : {}),
      ...(typeof reasoning === 'string' ? { reasoning } : {}),
      format: 'json',
    });
  }
  if (found.length === 0) {
    for (const m of output.matchAll(LABEL)) {
      const label = normalizeLabel(m[1]!, m[2]!, m[3]!);
      if (label) found.push({ verdict: labelToVerdict(label), label, format: 'label' });
    }
  }
  if (found.length === 0) return { ok: false, reason: 'nothing_parseable' };
  const distinct = new Set(found.map((f) => f.label ?? f.verdict));
  if (distinct.size > 1) return { ok: false, reason: 'ambiguous' };
  return { ok: true, ...found[0]! };
}
