import { ArenaError } from '@arena/contracts';
import { describe, expect, it } from 'vitest';
import { displayControlFor, splitDisplayControl } from './display-control.js';
import { LiveBattle } from './live-battle.js';

const MODELS = {
  a: { id: 'm-a', name: 'A', provider: 'demo' },
  b: { id: 'm-b', name: 'B', provider: 'demo' },
} as const;

describe("a display's control URL", () => {
  it('is taken out of the preview everyone sees; other previews pass as they are', () => {
    const split = splitDisplayControl({ kind: 'display', url: '/api/apps/tok/', expiresAt: 5, control: 's3cr/t' });
    expect(split.preview).toEqual({ kind: 'display', url: '/api/apps/tok/', expiresAt: 5 });
    expect(JSON.stringify(split.preview)).not.toContain('s3cr');
    expect(split.controlUrl).toBe('/api/apps/tok/?token=s3cr%2Ft');
    expect(splitDisplayControl({ kind: 'app', url: '/api/apps/x/' })).toEqual({
      preview: { kind: 'app', url: '/api/apps/x/' },
    });
    expect(splitDisplayControl({ kind: 'html', html: '<p>' })).toEqual({ preview: { kind: 'html', html: '<p>' } });
    expect(splitDisplayControl(undefined)).toEqual({});
  });

  it("goes to the battle's creator only, while the battle is live", () => {
    const live = new LiveBattle('b1', new Date(), 'creator', MODELS, undefined, 'make a game');
    live.displayControls.set('run-1', '/api/apps/tok/?token=secret');
    expect(displayControlFor(live, 'creator', 'run-1')).toEqual({ url: '/api/apps/tok/?token=secret' });
    const refused = (voter: string, run: string, battle: LiveBattle | undefined): string => {
      try {
        displayControlFor(battle, voter, run);
        return 'given';
      } catch (error) {
        return error instanceof ArenaError ? error.code : 'other';
      }
    };
    expect(refused('spectator', 'run-1', live)).toBe('not_allowed');
    expect(refused('creator', 'run-2', live)).toBe('not_found');
    expect(refused('creator', 'run-1', undefined)).toBe('not_found');
  });
});
