import type { Metadata } from 'next';
import type { ReactNode } from 'react';

export const metadata: Metadata = {
  title: 'Live battle',
  description: 'Watch a battle between two anonymous code models live.',
};

export default function Layout({ children }: { children: ReactNode }) {
  return children;
}
