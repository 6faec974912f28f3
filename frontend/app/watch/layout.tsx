import type { Metadata } from 'next';
import type { ReactNode } from 'react';

export const metadata: Metadata = {
  title: 'Watch live',
  description: 'Battles running now and the latest ones.',
};

export default function Layout({ children }: { children: ReactNode }) {
  return children;
}
