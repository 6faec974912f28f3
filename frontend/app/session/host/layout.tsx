import type { Metadata } from 'next';
import type { ReactNode } from 'react';

export const metadata: Metadata = {
  title: 'Hosting a session',
  description: 'The host’s big-screen view of a voting session.',
};

export default function Layout({ children }: { children: ReactNode }) {
  return children;
}
