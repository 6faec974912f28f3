/**
 * PostgreSQL's own JSON export of the `battles` data set's rows (one JSON object a line, in the export's order), the
 * baseline the exports are measured against: `datasets.js` times it, `export-beside-live.js` runs it beside a live
 * battle.
 */
export const POSTGRES_COPY_SQL = `COPY (SELECT json_build_object(
      'question_id', b.id, 'model_a', b.model_a_id, 'model_b', b.model_b_id, 'winner', v.winner, 'judge', md5(v.voter_id),
      'conversation_a', json_build_array(json_build_object('role','user','content',t.prompt), json_build_object('role','assistant','content',ma.text)),
      'conversation_b', json_build_array(json_build_object('role','user','content',t.prompt), json_build_object('role','assistant','content',mb.text)),
      'turn', 1, 'anony', b.anony, 'language', ca.language, 'tstamp', extract(epoch from v.created_at), 'environment', ca.environment,
      'category', b.category, 'code_a', ca.code, 'code_b', cb.code,
      'executions_a', json_build_array(json_build_object('status', ea.status, 'stdout', ea.stdout, 'stderr', ea.stderr)),
      'executions_b', json_build_array(json_build_object('status', eb.status, 'stdout', eb.stdout, 'stderr', eb.stderr)),
      'session_vote', v.session_id IS NOT NULL)
    FROM votes v JOIN battles b ON b.id = v.battle_id JOIN turns t ON t.battle_id = b.id
    JOIN side_messages ma ON ma.battle_id = b.id AND ma.side = 'a' JOIN side_messages mb ON mb.battle_id = b.id AND mb.side = 'b'
    JOIN code_extractions ca ON ca.battle_id = b.id AND ca.side = 'a' JOIN code_extractions cb ON cb.battle_id = b.id AND cb.side = 'b'
    JOIN executions ea ON ea.battle_id = b.id AND ea.side = 'a' JOIN executions eb ON eb.battle_id = b.id AND eb.side = 'b'
    ORDER BY v.created_at, v.id) TO STDOUT`.replace(/\s+/g, ' ');
