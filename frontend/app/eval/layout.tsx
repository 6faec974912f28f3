import type { Metadata } from 'next';
import type { ReactNode } from 'react';

export const metadata: Metadata = {
  title: 'Evals',
  description:
    'Test-based evaluation: pass@k of each model on HumanEval-style task sets, run in the arena’s sandboxes.',
};

export default function Layout({ children }: { children: ReactNode }) {
  return children;
}
