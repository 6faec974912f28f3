import type { Metadata } from 'next';
import type { ReactNode } from 'react';

export const metadata: Metadata = {
  title: 'Model profile',
  description: 'How a model’s code fares when the arena runs it: run outcomes, CPU time, memory and re-runs.',
};

export default function Layout({ children }: { children: ReactNode }) {
  return children;
}
