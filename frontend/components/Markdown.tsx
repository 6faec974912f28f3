'use client';
import { memo } from 'react';
import ReactMarkdown, { type Components } from 'react-markdown';
import rehypeHighlight from 'rehype-highlight';
import remarkGfm from 'remark-gfm';

/** A code block scrolls sideways: it takes the focus so that a keyboard can scroll it too. */
const pre: Components['pre'] = ({ children }) => <pre tabIndex={0}>{children}</pre>;

/** Headings two levels down, for markdown shown inside a page that has its own h1 and h2. */
const NESTED: Components = {
  pre,
  h1: ({ children }) => <h3>{children}</h3>,
  h2: ({ children }) => <h4>{children}</h4>,
  h3: ({ children }) => <h5>{children}</h5>,
  h4: ({ children }) => <h6>{children}</h6>,
};

/**
 * Model output (and data-set cards) as GitHub-flavoured markdown — tables, task lists — with highlighted code.
 * Raw HTML in answers is not rendered (react-markdown's default).
 */
export const Markdown = memo(function Markdown({ text, nested = false }: { text: string; nested?: boolean }) {
  return (
    <div className="markdown">
      <ReactMarkdown
        remarkPlugins={[remarkGfm]}
        rehypePlugins={[[rehypeHighlight, { detect: false }]]}
        components={nested ? NESTED : { pre }}
      >
        {text}
      </ReactMarkdown>
    </div>
  );
});
