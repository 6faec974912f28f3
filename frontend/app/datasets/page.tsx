'use client';
import { DATASET_FORMATS, type DatasetSummary } from '@arena/contracts';
import { useEffect, useState } from 'react';
import { api, backendUrl } from '../../lib/api';

const ABOUT: Record<DatasetSummary['name'], string> = {
  battles: 'One row per human vote in the Chatbot Arena clean-battle schema, with each side’s code and executions.',
  bigcodereward: 'One row per human vote in the bigcode/bigcodereward schema, for evaluating reward models and judges.',
  judgements: 'One row per judge verdict (filled once the judge service runs).',
};

function origin(): string {
  const base = backendUrl();
  return base || (typeof window === 'undefined' ? '' : window.location.origin);
}

export default function DatasetsPage() {
  const [datasets, setDatasets] = useState<DatasetSummary[]>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    api.datasets().then(setDatasets, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, []);
  return (
    <div className="page datasets">
      <h2>Data sets</h2>
      <p className="muted">
        Everything the arena records — prompts, both conversations, extracted code, every execution, every vote — as
        files you load with pandas, DuckDB or Hugging Face datasets. Exports are streamed from the database; voters
        appear only as salted hashes. Each data set has a card describing its schema.
      </p>
      {error ? <div className="error banner">{error}</div> : null}
      {!datasets ? <div className="muted">Loading…</div> : null}
      <div className="dataset-grid">
        {datasets?.map((d) => (
          <section key={d.name} className="dataset" data-testid={`dataset-${d.name}`}>
            <header>
              <h3>{d.name}</h3>
              <span className="muted">
                <span data-testid="dataset-rows">{d.rows.toLocaleString()}</span> rows · schema {d.schemaVersion}
                {d.lastUpdate ? ` · updated ${new Date(d.lastUpdate).toLocaleString()}` : ''}
              </span>
            </header>
            <p>{ABOUT[d.name]}</p>
            <div className="downloads">
              {DATASET_FORMATS.map((format) => (
                <a key={format} className="download" href={`${backendUrl()}/api/datasets/${d.name}.${format}`} download>
                  {format.toUpperCase()}
                </a>
              ))}
              <a
                className="muted"
                href={`${backendUrl()}/api/datasets/${d.name}/README.md`}
                target="_blank"
                rel="noreferrer"
              >
                data-set card
              </a>
            </div>
            <pre className="snippet">{`import pandas as pd
df = pd.read_json("${origin()}/api/datasets/${d.name}.jsonl", lines=True)`}</pre>
          </section>
        ))}
      </div>
    </div>
  );
}
