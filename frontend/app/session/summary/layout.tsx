import type { Metadata } from 'next';
import type { ReactNode } from 'react';

export const metadata: Metadata = {
  title: 'Session summary',
  description: 'How a voting session’s room ranked the models.',
};

export default function Layout({ children }: { children: ReactNode }) {
  return children;
}
