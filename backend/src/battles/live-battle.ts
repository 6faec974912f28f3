import type { BattleSnapshot, BattleStatus, ModelRef, Side, SideState, TurnState, Winner } from '@arena/contracts';

export interface SidePhase {
  generating: boolean;
  running: boolean;
}

/** A battle in progress, held in memory so spectators get snapshots without a database round trip. */
export class LiveBattle {
  status: BattleStatus = 'generating';
  /** When the battle last opened for its vote (ms since the epoch); unset while it has not. */
  votingSince: number | undefined;
  readonly turns: TurnState[] = [];
  readonly spectators = new Set<string>();
  readonly abort = new AbortController();
  readonly phases: Record<Side, SidePhase> = {
    a: { generating: true, running: false },
    b: { generating: true, running: false },
  };
  winner: Winner | undefined;
  voteInFlight = false;
  /** A follow-up is being opened (between its checks and its turn's start). */
  followupInFlight = false;
  /** An operator hid it: it plays on for those already in its room, but nobody else finds it. */
  hidden = false;
  /** The control URL of each display run (by run id), for the creator's `run:control` (display-control.ts). */
  readonly displayControls = new Map<string, string>();

  constructor(
    readonly id: string,
    readonly createdAt: Date,
    readonly creatorVoterId: string,
    /** Server-side only until the reveal. */
    readonly models: { a: ModelRef; b: ModelRef },
    readonly category: string | undefined,
    prompt: string,
    /** The voting session the battle belongs to, if any: its host closes the vote. */
    readonly sessionId: string | null = null,
  ) {
    this.turns.push({ turn: 0, prompt, sides: { a: emptySide(), b: emptySide() } });
  }

  /** The turn being played or last played. */
  get turn(): number {
    return this.turns.length - 1;
  }

  /** A follow-up turn: both sides generate again. */
  addTurn(prompt: string): number {
    const turn = this.turns.length;
    this.turns.push({ turn, prompt, sides: { a: emptySide(), b: emptySide() } });
    this.phases.a = { generating: true, running: false };
    this.phases.b = { generating: true, running: false };
    return turn;
  }

  /**
   * What one side has said so far, as a chat: every user turn up to `turn` and its own earlier answers. An
   * earlier turn it did not answer (its service failed) leaves no empty assistant message, which some APIs
   * refuse: that prompt joins the next one.
   */
  conversation(turn: number, side: Side): { role: 'user' | 'assistant'; content: string }[] {
    const messages: { role: 'user' | 'assistant'; content: string }[] = [];
    for (const t of this.turns.slice(0, turn + 1)) {
      const last = messages[messages.length - 1];
      if (last?.role === 'user') last.content += `\n\n${t.prompt}`;
      else messages.push({ role: 'user', content: t.prompt });
      const answer = t.sides[side].text;
      if (t.turn < turn && answer) messages.push({ role: 'assistant', content: answer });
    }
    return messages;
  }

  side(turn: number, side: Side): SideState {
    const state = this.turns[turn]?.sides[side];
    if (!state) throw new Error(`battle ${this.id} has no turn ${turn}`);
    return state;
  }

  /** The battle's status as its sides' phases imply; voting once everything has finished. */
  derivedStatus(): BattleStatus {
    if (this.status === 'revealed' || this.status === 'failed') return this.status;
    const phases = Object.values(this.phases);
    if (phases.some((p) => p.generating)) return 'generating';
    if (phases.some((p) => p.running)) return 'running';
    return 'voting';
  }

  snapshot(): BattleSnapshot {
    const snapshot: BattleSnapshot = {
      battleId: this.id,
      status: this.status,
      createdAt: this.createdAt.toISOString(),
      turns: structuredClone(this.turns),
      spectators: this.spectators.size,
    };
    if (this.category) snapshot.category = this.category;
    if (this.status === 'revealed') {
      snapshot.models = this.models;
      if (this.winner) snapshot.winner = this.winner;
    }
    return snapshot;
  }
}

export function emptySide(): SideState {
  return { text: '', seq: -1, finished: false, runs: [] };
}
