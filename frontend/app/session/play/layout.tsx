import type { Metadata } from 'next';
import type { ReactNode } from 'react';

export const metadata: Metadata = {
  title: 'Vote in a session',
  description: 'Vote from your phone in a community voting session.',
};

export default function Layout({ children }: { children: ReactNode }) {
  return children;
}
