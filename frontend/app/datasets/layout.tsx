import type { Metadata } from 'next';
import type { ReactNode } from 'react';

export const metadata: Metadata = {
  title: 'Data sets',
  description: 'Download every battle, vote and run as a data set.',
};

export default function Layout({ children }: { children: ReactNode }) {
  return children;
}
