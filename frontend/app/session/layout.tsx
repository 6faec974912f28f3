import type { Metadata } from 'next';
import type { ReactNode } from 'react';

export const metadata: Metadata = {
  title: 'Voting sessions',
  description: 'Host a room that votes together, or join one with its code.',
};

export default function Layout({ children }: { children: ReactNode }) {
  return children;
}
