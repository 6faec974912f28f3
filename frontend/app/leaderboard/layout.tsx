import type { Metadata } from 'next';
import type { ReactNode } from 'react';

export const metadata: Metadata = {
  title: 'Leaderboard',
  description: 'Code models ranked by human votes, with intervals.',
};

export default function Layout({ children }: { children: ReactNode }) {
  return children;
}
