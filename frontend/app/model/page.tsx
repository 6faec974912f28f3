'use client';
import type { ModelProfileResponse, ProfileGroupBody, QuantileBody, ShareBody } from '@arena/contracts';
import { useSearchParams } from 'next/navigation';
import { Suspense, useEffect, useState } from 'react';
import { Problem } from '../../components/Problem';
import { TableScroll } from '../../components/TableScroll';
import { api } from '../../lib/api';
import { errorCodeOf, errorMessageOf } from '../../lib/errors';
import css from './model.module.css';

const AWAY = [{ href: '/leaderboard/', label: 'See the leaderboard' }];
const pct = (v: number | null): string => (v === null ? '–' : `${(v * 100).toFixed(1)}%`);
const ms = (v: number | null): string =>
  v === null ? '–' : v < 1000 ? `${Math.round(v)} ms` : `${(v / 1000).toFixed(2)} s`;
const mib = (v: number | null): string => (v === null ? '–' : `${(v / (1 << 20)).toFixed(1)} MiB`);

function Share({ value }: { value: ShareBody }) {
  if (value.share === null) return <span className="muted">–</span>;
  return (
    <span title={`${value.count} of ${value.of}`}>
      {pct(value.share)}{' '}
      <span className={`muted ${css.ci}`}>
        ({pct(value.low)}–{pct(value.high)})
      </span>
    </span>
  );
}

function Quantile({ value, format }: { value: QuantileBody; format: (v: number | null) => string }) {
  if (value.value === null) return <span className="muted">–</span>;
  return (
    <span>
      {format(value.value)}{' '}
      <span className={`muted ${css.ci}`}>
        ({format(value.low)}–{format(value.high)})
      </span>
    </span>
  );
}

interface Column {
  label: string;
  title?: string;
  cell: (g: ProfileGroupBody) => React.ReactNode;
}

/** How the answers' own runs ended. */
const OUTCOMES: Column[] = [
  { label: 'Answers', cell: (g) => g.answers },
  {
    label: 'With code',
    title: 'share of answers whose code was extracted and run',
    cell: (g) => <Share value={g.withCode} />,
  },
  { label: 'Ran ok', cell: (g) => <Share value={g.ok} /> },
  { label: 'Compile error', cell: (g) => <Share value={g.compileError} /> },
  { label: 'Runtime error', cell: (g) => <Share value={g.runtimeError} /> },
  { label: 'Timeout', cell: (g) => <Share value={g.timeout} /> },
  { label: 'Memory limit', cell: (g) => <Share value={g.memoryLimit} /> },
  { label: 'Unsupported', cell: (g) => <Share value={g.unsupported} /> },
];

/** What the answers' own runs used. */
const RESOURCES: Column[] = [
  { label: 'Runs measured', cell: (g) => g.cpuMs.runs },
  { label: 'CPU median', cell: (g) => <Quantile value={g.cpuMs.median} format={ms} /> },
  { label: 'CPU p90', cell: (g) => <Quantile value={g.cpuMs.p90} format={ms} /> },
  { label: 'Memory median', cell: (g) => <Quantile value={g.peakMemoryBytes.median} format={mib} /> },
  { label: 'Memory p90', cell: (g) => <Quantile value={g.peakMemoryBytes.p90} format={mib} /> },
];

function GroupTable({
  label,
  groups,
  testId,
  columns,
}: {
  label: string;
  groups: [string, ProfileGroupBody][];
  testId: string;
  columns: Column[];
}) {
  return (
    <TableScroll label={`${label}: ${columns === RESOURCES ? 'CPU time and memory' : 'run outcomes'}`}>
      <table className={`lb-table ${css.table}`} data-testid={testId}>
        <thead>
          <tr>
            <th>{label}</th>
            {columns.map((c) => (
              <th key={c.label} title={c.title}>
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {groups.map(([name, g]) => (
            <tr key={name}>
              <td>{name}</td>
              {columns.map((c) => (
                <td key={c.label} className="num">
                  {c.cell(g)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}

function Profile() {
  const id = useSearchParams().get('id') ?? undefined;
  const [profile, setProfile] = useState<ModelProfileResponse>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    if (!id) return;
    api.modelProfile(id).then(setProfile, setError);
  }, [id]);
  if (!id) return <Problem title="No model given" links={AWAY} />;
  if (error) {
    return errorCodeOf(error) === 'not_found' ? (
      <Problem title="There is no such model on this arena" links={AWAY} />
    ) : (
      <Problem title="This profile cannot be shown right now" links={AWAY}>
        <p className="muted">{errorMessageOf(error)}</p>
      </Problem>
    );
  }
  if (!profile) return <div className="muted">Loading…</div>;
  const { reruns } = profile;
  return (
    <div data-testid="model-profile">
      <h1 className="page-title">{profile.name}</h1>
      <p className={`muted ${css.intro}`}>
        How this model&apos;s code fares when the arena runs it, over the {profile.battles}{' '}
        {profile.battles === 1 ? 'battle' : 'battles'} on the leaderboard (revealed and voted on). Shares are of the
        model&apos;s answers (with code), run outcomes of the runs that finished, each with its 95% interval in
        brackets; CPU time and peak memory are of its own runs, not re-runs.
      </p>
      <section className={css.section}>
        <h2>Overall</h2>
        <GroupTable
          label="Overall"
          groups={[['All answers', profile.overall]]}
          testId="profile-overall"
          columns={OUTCOMES}
        />
        <GroupTable
          label="Overall"
          groups={[['All answers', profile.overall]]}
          testId="resources-profile-overall"
          columns={RESOURCES}
        />
      </section>
      <section className={css.section}>
        <h2>By language</h2>
        <GroupTable
          label="Language"
          groups={Object.entries(profile.byLanguage)}
          testId="profile-languages"
          columns={OUTCOMES}
        />
        <GroupTable
          label="Language"
          groups={Object.entries(profile.byLanguage)}
          testId="resources-profile-languages"
          columns={RESOURCES}
        />
      </section>
      <section className={css.section}>
        <h2>By environment</h2>
        <GroupTable
          label="Environment"
          groups={Object.entries(profile.byEnvironment)}
          testId="profile-environments"
          columns={OUTCOMES}
        />
        <GroupTable
          label="Environment"
          groups={Object.entries(profile.byEnvironment)}
          testId="resources-profile-environments"
          columns={RESOURCES}
        />
      </section>
      <section className={css.section} data-testid="profile-reruns">
        <h2>Re-runs</h2>
        <p className={css.intro}>
          People re-ran this model&apos;s code {reruns.runs} {reruns.runs === 1 ? 'time' : 'times'} ({reruns.edited} of
          them with edited code); <Share value={reruns.answersRerun} /> of its answers with code were re-run at least
          once. Of the answers whose own run failed and that were re-run with edited code,{' '}
          {reruns.rescued.of === 0 ? (
            <>there are none yet.</>
          ) : (
            <>
              an edited re-run succeeded for <Share value={reruns.rescued} /> ({reruns.rescued.count} of{' '}
              {reruns.rescued.of}).
            </>
          )}
        </p>
      </section>
    </div>
  );
}

export default function ModelPage() {
  return (
    <div className="page">
      <Suspense fallback={<div className="muted">Loading…</div>}>
        <Profile />
      </Suspense>
    </div>
  );
}
