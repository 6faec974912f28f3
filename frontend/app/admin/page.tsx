'use client';
import { ModelSpec, type AdminLoad, type AdminModel, type AdminSession, type ModelSpecInput } from '@arena/contracts';
import { useCallback, useEffect, useId, useState, type FormEvent, type ReactNode } from 'react';
import { adminApi, storeAdminToken, storedAdminToken, type AdminApi } from '../../lib/admin-api';
import { ArenaRequestError, errorCodeOf, errorMessageOf } from '../../lib/errors';
import './admin.css';

const LOAD_REFRESH_MS = 5_000;

/** The words for a failed admin call: the server's own (operators read them), plainer for the door's codes. */
function adminMessage(error: unknown): string {
  switch (errorCodeOf(error)) {
    case 'unauthorized':
      return 'That is not the admin token.';
    case 'not_found':
      return errorMessageOf(error).startsWith('Cannot ')
        ? 'This arena has no admin API: ARENA_ADMIN_TOKEN is not set on the server.'
        : errorMessageOf(error);
    case 'rate_limited':
      return `Too many admin requests from this address: ${errorMessageOf(error)}`;
    case 'invalid_input':
    case 'not_allowed':
    case 'already_voted':
    case 'unavailable':
    case 'internal':
    case undefined:
      return errorMessageOf(error);
  }
}

/** Asks for the token; it is checked against the server before it is kept (in this tab's session storage). */
function SignIn({ onSignedIn, notice }: { onSignedIn: (token: string) => void; notice?: string }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await adminApi(token.trim()).models();
      storeAdminToken(token.trim());
      onSignedIn(token.trim());
    } catch (e) {
      setError(adminMessage(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="page admin-page">
      <h1 className="page-title">Admin</h1>
      {notice ? <p className="muted">{notice}</p> : null}
      <form className="card form-card admin-signin" onSubmit={(e) => void submit(e)}>
        <h2>Sign in</h2>
        <p className="muted">The token is the server&apos;s ARENA_ADMIN_TOKEN. It is kept in this tab only.</p>
        <label className="field">
          <span>Admin token</span>
          <input
            type="password"
            autoComplete="current-password"
            value={token}
            onChange={(e) => setToken(e.target.value)}
            required
            minLength={16}
          />
        </label>
        {error ? (
          <div className="error" role="alert">
            {error}
          </div>
        ) : null}
        <button className="primary" type="submit" disabled={busy || token.trim().length === 0}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </div>
  );
}

function Section({ title, children, actions }: { title: string; children: ReactNode; actions?: ReactNode }) {
  const id = useId();
  return (
    <section className="card admin-section" aria-labelledby={id}>
      <header className="admin-section-head">
        <h2 id={id}>{title}</h2>
        {actions}
      </header>
      {children}
    </section>
  );
}

function LoadPanel({ api, onError }: { api: AdminApi; onError: (e: unknown) => void }) {
  const [load, setLoad] = useState<AdminLoad>();
  const refresh = useCallback(() => {
    api.load().then(setLoad, onError);
  }, [api, onError]);
  useEffect(() => {
    refresh();
    const timer = setInterval(refresh, LOAD_REFRESH_MS);
    return () => clearInterval(timer);
  }, [refresh]);
  const figures: [string, number | undefined][] = [
    ['Generating', load?.process.liveBattles.generating],
    ['Running', load?.process.liveBattles.running],
    ['Open for a vote', load?.process.liveBattles.voting],
    ['Runs in progress', load?.process.runsInProgress],
    ['Sockets', load?.process.sockets],
    ['Watchers', load?.process.watchers],
    ['Battles, last hour', load?.arena.battlesLastHour],
    ['Votes, last hour', load?.arena.votesLastHour],
    ['Sessions, last day', load?.arena.sessionsLastDay],
    ['Hidden battles', load?.arena.hiddenBattles],
    ['Banned voters', load?.arena.bannedVoters],
  ];
  return (
    <Section
      title="Live load"
      actions={
        <button className="secondary" type="button" onClick={refresh}>
          Refresh
        </button>
      }
    >
      <p className="muted admin-note">
        Battles, runs, sockets and watchers of the process that answered; counts from the database.
        {load ? ` As of ${new Date(load.at).toLocaleTimeString()}.` : ''}
      </p>
      <dl className="admin-figures" data-testid="admin-load">
        {figures.map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{value ?? '…'}</dd>
          </div>
        ))}
      </dl>
    </Section>
  );
}

function ModelRow({
  model,
  api,
  onChanged,
  onError,
  onDone,
}: {
  model: AdminModel;
  api: AdminApi;
  onChanged: () => void;
  onError: (e: unknown) => void;
  onDone: (message: string) => void;
}) {
  const [weight, setWeight] = useState(String(model.weight));
  const [busy, setBusy] = useState(false);
  useEffect(() => setWeight(String(model.weight)), [model.weight]);
  const patch = async (change: { enabled?: boolean; weight?: number }, done: string): Promise<void> => {
    setBusy(true);
    try {
      await api.updateModel(model.id, change);
      onDone(done);
    } catch (e) {
      onError(e);
    } finally {
      setBusy(false);
      onChanged();
    }
  };
  const weightValue = Number(weight);
  const weightValid = weight.trim() !== '' && Number.isFinite(weightValue) && weightValue > 0;
  return (
    <li className={`admin-model${model.enabled ? '' : ' admin-model-off'}`} data-testid={`admin-model-${model.id}`}>
      <div className="admin-model-name">
        <strong>{model.name}</strong>
        <span className="muted">
          <code>{model.id}</code> · {model.provider} · {model.source === 'file' ? 'models file' : 'added here'}
        </span>
      </div>
      <label className="admin-toggle">
        <input
          type="checkbox"
          checked={model.enabled}
          disabled={busy}
          aria-label={`Enabled: ${model.name}`}
          onChange={(e) =>
            void patch({ enabled: e.target.checked }, `${model.name} ${e.target.checked ? 'enabled' : 'disabled'}.`)
          }
        />
        <span aria-hidden="true">Enabled</span>
      </label>
      <form
        className="admin-weight"
        onSubmit={(e) => {
          e.preventDefault();
          if (weightValid) void patch({ weight: weightValue }, `${model.name} now weighs ${weightValue}.`);
        }}
      >
        <label className="field">
          <span>Weight</span>
          <input
            type="number"
            inputMode="decimal"
            min="0"
            step="any"
            value={weight}
            aria-label={`Weight: ${model.name}`}
            onChange={(e) => setWeight(e.target.value)}
          />
        </label>
        <button
          className="secondary"
          type="submit"
          disabled={busy || !weightValid || weightValue === model.weight}
          aria-label={`Save the weight of ${model.name}`}
        >
          Save
        </button>
      </form>
    </li>
  );
}

type Provider = ModelSpecInput['provider'];
const PROVIDER_FIELDS: Record<Provider, (keyof ModelSpecInput)[]> = {
  openai: ['model', 'baseUrl', 'apiKeyEnv'],
  anthropic: ['model', 'apiKeyEnv', 'baseUrl'],
  replay: ['answersFile', 'questionsFile'],
  demo: ['style'],
};
const FIELD_LABELS: Partial<Record<keyof ModelSpecInput, string>> = {
  model: 'Remote model name',
  baseUrl: 'Endpoint URL',
  apiKeyEnv: 'API key variable (…_API_KEY)',
  answersFile: 'Answers file (model_answer JSONL, on the server)',
  questionsFile: 'Questions file (question.jsonl, on the server)',
};
const STYLES = ['javascript', 'typescript', 'python', 'react', 'sloppy'] as const;

/** A models-file entry, checked with the models file's own schema before it is sent. */
function AddModel({
  api,
  onAdded,
  onError,
}: {
  api: AdminApi;
  onAdded: (m: AdminModel) => void;
  onError: (e: unknown) => void;
}) {
  const [fields, setFields] = useState<Record<string, string>>({ provider: 'openai', style: 'javascript' });
  const [problem, setProblem] = useState<string>();
  const [busy, setBusy] = useState(false);
  const provider = (fields['provider'] ?? 'openai') as Provider;
  const set = (name: string, value: string): void => setFields((f) => ({ ...f, [name]: value }));
  const entry = (): Record<string, unknown> => {
    const out: Record<string, unknown> = { id: fields['id']?.trim(), name: fields['name']?.trim(), provider };
    for (const key of PROVIDER_FIELDS[provider]) {
      const value = fields[key]?.trim();
      if (value) out[key] = value;
    }
    if (fields['weight']?.trim()) out['weight'] = Number(fields['weight']);
    if (fields['tokensPerSecond']?.trim()) out['tokensPerSecond'] = Number(fields['tokensPerSecond']);
    return out;
  };
  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    const parsed = ModelSpec.safeParse(entry());
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      setProblem(`${issue?.path.join('.') || 'entry'}: ${issue?.message ?? 'invalid'}`);
      return;
    }
    setProblem(undefined);
    setBusy(true);
    try {
      onAdded(await api.addModel(entry() as ModelSpecInput));
      setFields({ provider, style: 'javascript' });
    } catch (e) {
      if (e instanceof ArenaRequestError && e.code === 'invalid_input') setProblem(e.message);
      else onError(e);
    } finally {
      setBusy(false);
    }
  };
  const text = (name: keyof ModelSpecInput, label: string, extra: Record<string, unknown> = {}): ReactNode => (
    <label className="field" key={name}>
      <span>{label}</span>
      <input value={fields[name] ?? ''} onChange={(e) => set(name, e.target.value)} {...extra} />
    </label>
  );
  return (
    <Section title="Add a model">
      <p className="muted admin-note">
        A models-file entry. It is drawn for new battles at once and kept in the database; API keys stay in the
        server&apos;s environment (name the variable, never the key).
      </p>
      <form
        className="admin-form"
        onSubmit={(e) => void submit(e)}
        aria-describedby={problem ? 'add-model-problem' : undefined}
      >
        {text('id', 'Id', { required: true, placeholder: 'e.g. gpt-5-mini' })}
        {text('name', 'Name', { required: true, placeholder: 'shown after the vote' })}
        <label className="field">
          <span>Provider</span>
          <select value={provider} onChange={(e) => set('provider', e.target.value)}>
            <option value="openai">OpenAI-compatible</option>
            <option value="anthropic">Anthropic</option>
            <option value="replay">Replay (recorded answers)</option>
            <option value="demo">Demo (scripted)</option>
          </select>
        </label>
        {PROVIDER_FIELDS[provider].map((key) =>
          key === 'style' ? (
            <label className="field" key="style">
              <span>Style</span>
              <select value={fields['style'] ?? 'javascript'} onChange={(e) => set('style', e.target.value)}>
                {STYLES.map((s) => (
                  <option key={s} value={s}>
                    {s}
                  </option>
                ))}
              </select>
            </label>
          ) : (
            text(key, FIELD_LABELS[key] ?? key)
          ),
        )}
        {text('weight', 'Weight (default 1)', { type: 'number', min: '0', step: 'any', inputMode: 'decimal' })}
        {text('tokensPerSecond', 'Tokens per second (replay, demo)', { type: 'number', min: '0', step: 'any' })}
        {problem ? (
          <div className="error admin-wide" id="add-model-problem" role="alert">
            {problem}
          </div>
        ) : null}
        <div className="admin-wide">
          <button className="primary" type="submit" disabled={busy}>
            {busy ? 'Adding…' : 'Add the model'}
          </button>
        </div>
      </form>
    </Section>
  );
}

/** One input, an action and its undo: hide a battle by id (or show it again), ban a voter (or lift it). */
function OneFieldAction({
  label,
  button,
  placeholder,
  pattern,
  hint,
  run,
  undo,
}: {
  label: string;
  button: string;
  placeholder: string;
  pattern: string;
  hint: string;
  run: (value: string) => Promise<boolean>;
  undo: { button: string; run: (value: string) => Promise<boolean> };
}) {
  const [value, setValue] = useState('');
  const [busy, setBusy] = useState(false);
  const hintId = useId();
  const act = (fn: (value: string) => Promise<boolean>): void => {
    setBusy(true);
    void fn(value.trim())
      .then((ok) => {
        if (ok) setValue('');
      })
      .finally(() => setBusy(false));
  };
  return (
    <form
      className="admin-one-field"
      onSubmit={(e) => {
        e.preventDefault();
        act(run);
      }}
    >
      <label className="field">
        <span>{label}</span>
        <input
          value={value}
          onChange={(e) => setValue(e.target.value)}
          placeholder={placeholder}
          pattern={pattern}
          required
          spellCheck={false}
          autoCapitalize="off"
          aria-describedby={hintId}
        />
      </label>
      <button className="secondary" type="submit" disabled={busy || value.trim() === ''}>
        {button}
      </button>
      <button
        className="secondary"
        type="button"
        disabled={busy || value.trim() === ''}
        onClick={(e) => {
          if (e.currentTarget.form?.reportValidity() !== false) act(undo.run);
        }}
      >
        {undo.button}
      </button>
      <p className="muted admin-note" id={hintId}>
        {hint}
      </p>
    </form>
  );
}

function SessionsPanel({
  api,
  onError,
  onDone,
}: {
  api: AdminApi;
  onError: (e: unknown) => void;
  onDone: (message: string) => void;
}) {
  const [sessions, setSessions] = useState<AdminSession[]>();
  const refresh = useCallback(() => {
    api.sessions().then(setSessions, onError);
  }, [api, onError]);
  useEffect(refresh, [refresh]);
  const end = async (session: AdminSession): Promise<void> => {
    try {
      const ended = await api.endSession(session.sessionId);
      onDone(`Session “${session.title}” ended${ended.closedBattleId ? '; its open vote was closed' : ''}.`);
    } catch (e) {
      onError(e);
    }
    refresh();
  };
  return (
    <Section
      title="Voting sessions"
      actions={
        <button className="secondary" type="button" onClick={refresh}>
          Refresh
        </button>
      }
    >
      {!sessions ? <p className="muted">Loading…</p> : null}
      {sessions?.length === 0 ? <p className="muted">No sessions yet.</p> : null}
      <ul className="admin-list" data-testid="admin-sessions">
        {sessions?.map((s) => (
          <li key={s.sessionId} className="admin-session">
            <div className="admin-model-name">
              <strong>{s.title}</strong>
              <span className="muted">
                <code>{s.joinCode}</code> · {s.participants} {s.participants === 1 ? 'participant' : 'participants'} ·{' '}
                {s.battles} {s.battles === 1 ? 'battle' : 'battles'} · started {new Date(s.createdAt).toLocaleString()}
                {s.endedAt ? ` · ended ${new Date(s.endedAt).toLocaleString()}` : ''}
              </span>
            </div>
            <button
              className="secondary"
              type="button"
              disabled={s.endedAt !== null}
              aria-label={`End the session “${s.title}”`}
              onClick={() => void end(s)}
            >
              {s.endedAt ? 'Ended' : 'End'}
            </button>
          </li>
        ))}
      </ul>
    </Section>
  );
}

function Console({ token, onSignOut }: { token: string; onSignOut: (notice?: string) => void }) {
  const [api] = useState(() => adminApi(token));
  const [models, setModels] = useState<AdminModel[]>();
  const [message, setMessage] = useState<string>();
  const [error, setError] = useState<string>();
  const onError = useCallback(
    (e: unknown) => {
      if (errorCodeOf(e) === 'unauthorized') onSignOut('The server no longer takes that token. Sign in again.');
      else setError(adminMessage(e));
    },
    [onSignOut],
  );
  const done = useCallback((text: string) => {
    setError(undefined);
    setMessage(text);
  }, []);
  const refreshModels = useCallback(() => {
    api.models().then(setModels, onError);
  }, [api, onError]);
  useEffect(refreshModels, [refreshModels]);
  return (
    <div className="page admin-page">
      <div className="admin-title">
        <h1 className="page-title">Admin</h1>
        <button className="secondary" type="button" onClick={() => onSignOut()}>
          Sign out
        </button>
      </div>
      <p className="admin-status" role="status" aria-live="polite" data-testid="admin-status">
        {message}
      </p>
      {error ? (
        <div className="error banner" role="alert">
          {error}
        </div>
      ) : null}
      <LoadPanel api={api} onError={onError} />
      <Section title="Models">
        <p className="muted admin-note">
          New battles draw enabled models by weight; battles already running keep theirs. At least two stay enabled.
        </p>
        {!models ? <p className="muted">Loading…</p> : null}
        <ul className="admin-list">
          {models?.map((m) => (
            <ModelRow key={m.id} model={m} api={api} onChanged={refreshModels} onError={onError} onDone={done} />
          ))}
        </ul>
      </Section>
      <AddModel
        api={api}
        onError={onError}
        onAdded={(m) => {
          done(`${m.name} added.`);
          refreshModels();
        }}
      />
      <Section title="Moderation">
        <OneFieldAction
          label="Battle id to hide"
          button="Hide the battle"
          placeholder="e.g. 7d3b8f0a-3c1e-4c53-9a4e-2f1d5b6c7e8f"
          pattern="[0-9a-fA-F-]{36}"
          hint="Gone from the lists, its page, the leaderboard and the data sets (kept in the database)."
          run={async (battleId) => {
            try {
              const hidden = await api.hideBattle(battleId);
              done(`Battle ${hidden.battleId} hidden.`);
              return true;
            } catch (e) {
              onError(e);
              return false;
            }
          }}
          undo={{
            button: 'Show it again',
            run: async (battleId) => {
              try {
                await api.showBattle(battleId);
                done(`Battle ${battleId} is shown again.`);
                return true;
              } catch (e) {
                onError(e);
                return false;
              }
            },
          }}
        />
        <OneFieldAction
          label="Voter hash to ban"
          button="Ban the voter"
          placeholder="32 hex characters, as in the data sets"
          pattern="[0-9a-f]{32}"
          hint="The data sets' voter hash (the battles set's judge column). Their votes stop counting; new ones are refused."
          run={async (voterHash) => {
            try {
              const ban = await api.banVoter(voterHash);
              done(
                `Voter ${ban.voterHash} banned; ${ban.votes} ${ban.votes === 1 ? 'vote no longer counts' : 'votes no longer count'}.`,
              );
              return true;
            } catch (e) {
              onError(e);
              return false;
            }
          }}
          undo={{
            button: 'Lift the ban',
            run: async (voterHash) => {
              try {
                const lifted = await api.unbanVoter(voterHash);
                done(
                  `Ban of ${lifted.voterHash} lifted; ${lifted.votes} ${lifted.votes === 1 ? 'vote counts' : 'votes count'} again.`,
                );
                return true;
              } catch (e) {
                onError(e);
                return false;
              }
            },
          }}
        />
      </Section>
      <SessionsPanel api={api} onError={onError} onDone={done} />
    </div>
  );
}

/** `/admin`: the operator's page. Nothing here is public: every call carries the token, kept in this tab only. */
export default function AdminPage() {
  const [token, setToken] = useState<string | null>();
  const [notice, setNotice] = useState<string>();
  useEffect(() => setToken(storedAdminToken()), []);
  const signOut = useCallback((why?: string) => {
    storeAdminToken(null);
    setNotice(why);
    setToken(null);
  }, []);
  if (token === undefined)
    return (
      <div className="page admin-page">
        <h1 className="page-title">Admin</h1>
      </div>
    );
  if (token === null) return <SignIn notice={notice} onSignedIn={setToken} />;
  return <Console key={token} token={token} onSignOut={signOut} />;
}
