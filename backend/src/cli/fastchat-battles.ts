import { BattlesParser, formatOf, type BattleRecord } from '@arena/ranking';
import { parseFile } from './input-file.js';

/**
 * The battle records of a FastChat clean-battle file (JSON, JSONL or CSV, told by its extension), one call
 * of `onRecord` each, read chunk by chunk; an unreadable file is a usage error, a malformed one a
 * `BattlesFileError` naming the place.
 */
export function readBattleRecords(file: string, onRecord: (record: BattleRecord) => void): Promise<void> {
  return parseFile(file, new BattlesParser(formatOf(file), onRecord, file));
}
