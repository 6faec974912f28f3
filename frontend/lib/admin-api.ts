import type {
  AdminBanResult,
  AdminHideResult,
  AdminShowResult,
  AdminUnbanResult,
  AdminLoad,
  AdminModel,
  AdminModelPatch,
  AdminSession,
  AdminSessionEndResult,
  ErrorCode,
  ModelSpecInput,
} from '@arena/contracts';
import { backendUrl } from './api';
import { ArenaRequestError } from './errors';

/** Where the operator's token is kept: this tab only, gone when it closes (never local storage, never a cookie). */
const TOKEN_KEY = 'arena.adminToken';

export function storedAdminToken(): string | null {
  return typeof window === 'undefined' ? null : window.sessionStorage.getItem(TOKEN_KEY);
}

export function storeAdminToken(token: string | null): void {
  if (token === null) window.sessionStorage.removeItem(TOKEN_KEY);
  else window.sessionStorage.setItem(TOKEN_KEY, token);
}

async function request<T>(token: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${backendUrl()}/api/admin${path}`, {
    method,
    cache: 'no-store',
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const payload = (await response.json().catch(() => null)) as
    (T & { error?: { code?: ErrorCode; message?: string } }) | null;
  if (!response.ok) {
    throw new ArenaRequestError(payload?.error?.code, payload?.error?.message ?? `HTTP ${response.status}`);
  }
  return payload as T;
}

/** The admin API (docs/protocol.md, "Administration"), with the operator's token. */
export function adminApi(token: string) {
  const id = encodeURIComponent;
  return {
    models: () => request<AdminModel[]>(token, 'GET', '/models'),
    addModel: (entry: ModelSpecInput) => request<AdminModel>(token, 'POST', '/models', entry),
    updateModel: (modelId: string, patch: AdminModelPatch) =>
      request<AdminModel>(token, 'PATCH', `/models/${id(modelId)}`, patch),
    hideBattle: (battleId: string) => request<AdminHideResult>(token, 'POST', `/battles/${id(battleId)}/hide`),
    showBattle: (battleId: string) => request<AdminShowResult>(token, 'DELETE', `/battles/${id(battleId)}/hide`),
    banVoter: (voterHash: string) => request<AdminBanResult>(token, 'POST', `/voters/${id(voterHash)}/ban`),
    unbanVoter: (voterHash: string) => request<AdminUnbanResult>(token, 'DELETE', `/voters/${id(voterHash)}/ban`),
    sessions: () => request<AdminSession[]>(token, 'GET', '/sessions'),
    endSession: (sessionId: string) => request<AdminSessionEndResult>(token, 'POST', `/sessions/${id(sessionId)}/end`),
    load: () => request<AdminLoad>(token, 'GET', '/load'),
  };
}
export type AdminApi = ReturnType<typeof adminApi>;
