import type { Metadata } from 'next';
import type { ReactNode } from 'react';

export const metadata: Metadata = {
  title: 'Judges',
  description: 'How well LLM judges agree with human votes.',
};

export default function Layout({ children }: { children: ReactNode }) {
  return children;
}
