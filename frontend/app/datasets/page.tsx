'use client';
import { DATASET_FORMATS, type DatasetSummary } from '@arena/contracts';
import { useEffect, useState } from 'react';
import { Markdown } from '../../components/Markdown';
import { api, backendUrl } from '../../lib/api';

const ABOUT: Record<DatasetSummary['name'], string> = {
  battles: 'One row per human vote in the Chatbot Arena clean-battle schema, with each side’s code and executions.',
  bigcodereward: 'One row per human vote in the bigcode/bigcodereward schema, for evaluating reward models and judges.',
  judgements: 'One row per judge verdict (filled once the judge service runs).',
  eval: 'One row per sample run of arena eval --store: task set, task, language, model, status, CPU and memory.',
};

function origin(): string {
  const base = backendUrl();
  return base || (typeof window === 'undefined' ? '' : window.location.origin);
}

/** A data set's card (its README.md: schema, columns, how it was made), fetched and rendered on demand. */
function DatasetCard({ name }: { name: DatasetSummary['name'] }) {
  const [open, setOpen] = useState(false);
  const [text, setText] = useState<string>();
  const [error, setError] = useState<string>();
  const url = `${backendUrl()}/api/datasets/${name}/README.md`;
  useEffect(() => {
    if (!open || text !== undefined) return;
    fetch(url, { cache: 'no-store' })
      .then(async (r) => (r.ok ? r.text() : Promise.reject(new Error(`HTTP ${r.status}`))))
      // The card opens with YAML front matter for the Hugging Face Hub: metadata, not reading.
      .then((t) => setText(t.replace(/^---\n[\s\S]*?\n---\n/, '')))
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, [open, text, url]);
  return (
    <>
      <button className="link-button" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
        {open ? 'Hide the data-set card' : 'Read the data-set card'}
      </button>
      <a className="muted" href={url} target="_blank" rel="noreferrer">
        README.md ↗
      </a>
      {open ? (
        <div className="dataset-card" data-testid="dataset-card">
          {error ? <div className="error">The card could not be loaded ({error}).</div> : null}
          {text === undefined && !error ? <div className="muted">Loading…</div> : null}
          {text !== undefined ? <Markdown text={text} nested /> : null}
        </div>
      ) : null}
    </>
  );
}

export default function DatasetsPage() {
  const [datasets, setDatasets] = useState<DatasetSummary[]>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    api.datasets().then(setDatasets, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, []);
  return (
    <div className="page datasets">
      <h1 className="page-title">Data sets</h1>
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
              <h2>{d.name}</h2>
              <span className="muted">
                <span data-testid="dataset-rows">{d.rows.toLocaleString()}</span> {d.rows === 1 ? 'row' : 'rows'} ·
                schema {d.schemaVersion}
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
            </div>
            <pre className="snippet">{`import pandas as pd
df = pd.read_json("${origin()}/api/datasets/${d.name}.jsonl", lines=True)`}</pre>
            <div className="card-toggle">
              <DatasetCard name={d.name} />
            </div>
          </section>
        ))}
      </div>
    </div>
  );
}
