import type {
  AgreementResponse,
  AutoArenaRun,
  BattleListItem,
  BattleSnapshot,
  DatasetSummary,
  ErrorCode,
  EvalTaskSet,
  LeaderboardQuery,
  LeaderboardResponse,
  MatrixResponse,
  ModelProfileResponse,
  PublicModel,
  SamplePrompt,
  SessionSummary,
} from '@arena/contracts';
import { ArenaRequestError } from './errors';

/** Where the backend is: the page's own origin in production, or NEXT_PUBLIC_ARENA_URL in development. */
export function backendUrl(): string {
  return process.env['NEXT_PUBLIC_ARENA_URL'] ?? '';
}

async function get<T>(path: string): Promise<T> {
  const response = await fetch(`${backendUrl()}/api${path}`, { cache: 'no-store' });
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as {
      error?: { code?: ErrorCode; message?: string };
    } | null;
    throw new ArenaRequestError(body?.error?.code, body?.error?.message ?? `HTTP ${response.status}`);
  }
  return (await response.json()) as T;
}

export const api = {
  models: () => get<PublicModel[]>('/models'),
  samples: () => get<SamplePrompt[]>('/prompts/samples'),
  battles: (status: 'live' | 'recent', limit = 20) => get<BattleListItem[]>(`/battles?status=${status}&limit=${limit}`),
  battle: (id: string) => get<BattleSnapshot>(`/battles/${encodeURIComponent(id)}`),
  datasets: () => get<DatasetSummary[]>('/datasets'),
  leaderboard: (query: LeaderboardQuery) => get<LeaderboardResponse>(`/leaderboard${queryString(query)}`),
  agreement: () => get<AgreementResponse>('/reward/agreement'),
  autoarena: () => get<AutoArenaRun[]>('/autoarena'),
  evalSets: () => get<EvalTaskSet[]>('/eval'),
  modelProfile: (id: string) => get<ModelProfileResponse>(`/models/${encodeURIComponent(id)}/profile`),
  sessionSummary: (id: string) => get<SessionSummary>(`/sessions/${encodeURIComponent(id)}/summary`),
  matrix: (query: LeaderboardQuery, kind: 'winrate' | 'count') =>
    get<MatrixResponse>(`/leaderboard/matrix${queryString({ ...query, kind })}`),
};

export function queryString(query: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value) params.set(key, value);
  const text = params.toString();
  return text ? `?${text}` : '';
}
