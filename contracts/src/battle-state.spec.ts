import { describe, expect, it } from 'vitest';
import { applyBattleEvent, newBattleSnapshot, runConsolePieces, runOutputParts } from './battle-state.js';

const ID = '11111111-1111-4111-8111-111111111111';
const delta = (side: 'a' | 'b', seq: number, text: string) =>
  ({ event: 'gen:delta', payload: { battleId: ID, turn: 0, side, seq, text, t: 0 } }) as const;

describe('applyBattleEvent', () => {
  it('appends deltas in sequence, ignores duplicates and reports gaps', () => {
    const s = newBattleSnapshot(ID, 'p');
    expect(applyBattleEvent(s, delta('a', 0, 'Hel'))).toBe('applied');
    expect(applyBattleEvent(s, delta('a', 1, 'lo'))).toBe('applied');
    expect(applyBattleEvent(s, delta('a', 1, 'lo'))).toBe('ignored');
    expect(applyBattleEvent(s, delta('a', 3, '!'))).toBe('gap');
    expect(s.turns[0]!.sides.a).toMatchObject({ text: 'Hello', seq: 1 });
    expect(s.turns[0]!.sides.b.text).toBe('');
  });

  it('ignores frames of another battle', () => {
    const s = newBattleSnapshot(ID, 'p');
    expect(
      applyBattleEvent(s, {
        event: 'gen:delta',
        payload: { battleId: 'other', turn: 0, side: 'a', seq: 0, text: 'x', t: 0 },
      }),
    ).toBe('ignored');
  });

  it("keeps a run's figures in the order drawn, once each, with where they sit in the output", () => {
    const s = newBattleSnapshot(ID, 'p');
    applyBattleEvent(s, {
      event: 'run:start',
      payload: { battleId: ID, turn: 0, side: 'a', runId: 'r1', environment: 'python' },
    });
    const figure = (index: number, at: number) =>
      ({
        event: 'run:figure',
        payload: { battleId: ID, runId: 'r1', side: 'a', index, at, url: `/f/${index}`, width: 640, height: 480 },
      }) as const;
    expect(applyBattleEvent(s, figure(1, 9))).toBe('applied');
    expect(applyBattleEvent(s, figure(0, 3))).toBe('applied');
    expect(applyBattleEvent(s, figure(0, 3))).toBe('ignored');
    expect(applyBattleEvent(s, { ...figure(0, 3), payload: { ...figure(0, 3).payload, runId: 'r9' } })).toBe('ignored');
    expect(s.turns[0]!.sides.a.runs[0]!.figures).toEqual([
      { index: 0, at: 3, url: '/f/0', width: 640, height: 480 },
      { index: 1, at: 9, url: '/f/1', width: 640, height: 480 },
    ]);
  });

  it('folds a whole run and the reveal', () => {
    const s = newBattleSnapshot(ID, 'p');
    applyBattleEvent(s, {
      event: 'gen:end',
      payload: { battleId: ID, turn: 0, side: 'a', finishReason: 'stop', ms: 5 },
    });
    applyBattleEvent(s, {
      event: 'code:ready',
      payload: { battleId: ID, turn: 0, side: 'a', environment: 'javascript', language: 'javascript', code: 'x' },
    });
    applyBattleEvent(s, {
      event: 'run:start',
      payload: { battleId: ID, turn: 0, side: 'a', runId: 'r1', environment: 'javascript' },
    });
    expect(
      applyBattleEvent(s, {
        event: 'run:output',
        payload: { battleId: ID, runId: 'r1', side: 'a', stream: 'stdout', seq: 0, data: '1\n', t: 0 },
      }),
    ).toBe('applied');
    expect(
      applyBattleEvent(s, {
        event: 'run:output',
        payload: { battleId: ID, runId: 'r9', side: 'a', stream: 'stdout', seq: 0, data: '1\n', t: 0 },
      }),
    ).toBe('gap');
    applyBattleEvent(s, {
      event: 'run:end',
      payload: { battleId: ID, runId: 'r1', side: 'a', status: 'ok', exitCode: 0, durationMs: 3 },
    });
    applyBattleEvent(s, { event: 'battle:status', payload: { battleId: ID, status: 'voting' } });
    const models = { a: { id: 'x', name: 'X' }, b: { id: 'y', name: 'Y' } };
    applyBattleEvent(s, { event: 'battle:revealed', payload: { battleId: ID, models, winner: 'tie' } });
    expect(applyBattleEvent(s, { event: 'battle:status', payload: { battleId: ID, status: 'voting' } })).toBe(
      'ignored',
    );
    expect(s).toMatchObject({ status: 'revealed', models, winner: 'tie' });
    expect(s.turns[0]!.sides.a).toMatchObject({
      finished: true,
      finishReason: 'stop',
      code: { environment: 'javascript' },
      runs: [{ runId: 'r1', output: '1\n', seq: 0, status: 'ok', exitCode: 0, durationMs: 3 }],
    });
  });

  it("keeps where stderr sits in a run's output, so a client can draw it apart", () => {
    const s = newBattleSnapshot(ID, 'p');
    applyBattleEvent(s, {
      event: 'run:start',
      payload: { battleId: ID, turn: 0, side: 'a', runId: 'r1', environment: 'javascript' },
    });
    const out = (seq: number, stream: 'stdout' | 'stderr', data: string) =>
      applyBattleEvent(s, {
        event: 'run:output',
        payload: { battleId: ID, runId: 'r1', side: 'a', stream, seq, data, t: 0 },
      });
    out(0, 'stdout', 'ok\n');
    out(1, 'stderr', 'Traceback\n');
    out(2, 'stderr', 'Error: x\n');
    out(3, 'stdout', 'more\n');
    out(3, 'stderr', 'a duplicate frame is ignored\n');
    const run = s.turns[0]!.sides.a.runs[0]!;
    expect(run.output).toBe('ok\nTraceback\nError: x\nmore\n');
    expect(run.stderr).toEqual([[3, 22]]);
    expect(runOutputParts(run)).toEqual([
      { stream: 'stdout', text: 'ok\n' },
      { stream: 'stderr', text: 'Traceback\nError: x\n' },
      { stream: 'stdout', text: 'more\n' },
    ]);
    expect(runOutputParts({ output: 'plain' })).toEqual([{ stream: 'stdout', text: 'plain' }]);
  });
});

describe('runConsolePieces', () => {
  const fig = (index: number, at: number) => ({ index, at, url: `/f/${index}`, width: 1, height: 1 });
  it('puts each figure where it was drawn, between and inside the streams, and the ones past the end last', () => {
    // "ab" stdout, "CD" stderr, "ef" stdout; figures at 0, 1, 2 (between stdout and stderr), 3, 6 (the end), 99.
    const run = {
      output: 'abCDef',
      stderr: [[2, 4]] as [number, number][],
      figures: [fig(5, 99), fig(0, 0), fig(1, 1), fig(2, 2), fig(3, 3), fig(4, 6)],
    };
    const shape = runConsolePieces(run).map((p) =>
      p.kind === 'text' ? `${p.stream}:${p.text}` : `#${p.figure.index}`,
    );
    expect(shape).toEqual([
      '#0',
      'stdout:a',
      '#1',
      'stdout:b',
      '#2',
      'stderr:C',
      '#3',
      'stderr:D',
      'stdout:ef',
      '#4',
      '#5',
    ]);
  });

  it('is the output parts alone when nothing was drawn', () => {
    const run = { output: 'x\ny', stderr: [[1, 2]] as [number, number][] };
    expect(runConsolePieces(run)).toEqual(runOutputParts(run).map((p) => ({ kind: 'text', ...p })));
  });
});
