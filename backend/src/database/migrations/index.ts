import { Initial1795640712710 } from './1795640712710-Initial.js';
import { VoterSalt1795644356481 } from './1795644356481-VoterSalt.js';
import { VotesByTime1795644939506 } from './1795644939506-VotesByTime.js';
import { ExecutionPreview1795650603768 } from './1795650603768-ExecutionPreview.js';
import { JudgementsAndRunOrigin1795651689111 } from './1795651689111-JudgementsAndRunOrigin.js';
import { Sessions1795661900915 } from './1795661900915-Sessions.js';
import { ExportParts1795665851448 } from './1795665851448-ExportParts.js';
import { ExportPartsBattle1795680000000 } from './1795680000000-ExportPartsBattle.js';
import { Administration1795962989595 } from './1795962989595-Administration.js';
import { HiddenBattles1795964718150 } from './1795964718150-HiddenBattles.js';
import { SessionNetworks1795973197416 } from './1795973197416-SessionNetworks.js';
import { ExecutionStderrRanges1795974336967 } from './1795974336967-ExecutionStderrRanges.js';
import { EvalResults1795985241164 } from './1795985241164-EvalResults.js';
import { ExportPartsRunFacts1795986446782 } from './1795986446782-ExportPartsRunFacts.js';
import { ExecutionPreviewKind1795986648901 } from './1795986648901-ExecutionPreviewKind.js';
import { RunScreenshots1795986174647 } from './1795986174647-RunScreenshots.js';
import { RunInteractions1795987593356 } from './1795987593356-RunInteractions.js';
import { RunScreenshotsBlank1795988889212 } from './1795988889212-RunScreenshotsBlank.js';
import { RunFigures1795997108471 } from './1795997108471-RunFigures.js';
import { JudgementScreenshots1795997441343 } from './1795997441343-JudgementScreenshots.js';
import { BattlesRevealedIndex1796001246115 } from './1796001246115-BattlesRevealedIndex.js';
import { LeaderboardSnapshots1796030000000 } from './1796030000000-LeaderboardSnapshots.js';
import { VoteFacts1796008726971 } from './1796008726971-VoteFacts.js';

/** Every migration, in order. The drift test fails when the entities need one that is not here. */
export const MIGRATIONS = [
  Initial1795640712710,
  VoterSalt1795644356481,
  VotesByTime1795644939506,
  ExecutionPreview1795650603768,
  JudgementsAndRunOrigin1795651689111,
  Sessions1795661900915,
  ExportParts1795665851448,
  ExportPartsBattle1795680000000,
  Administration1795962989595,
  HiddenBattles1795964718150,
  SessionNetworks1795973197416,
  ExecutionStderrRanges1795974336967,
  EvalResults1795985241164,
  ExecutionPreviewKind1795986648901,
  RunScreenshots1795986174647,
  RunInteractions1795987593356,
  RunScreenshotsBlank1795988889212,
  ExportPartsRunFacts1795986446782,
  RunFigures1795997108471,
  JudgementScreenshots1795997441343,
  BattlesRevealedIndex1796001246115,
  VoteFacts1796008726971,
  LeaderboardSnapshots1796030000000,
];
