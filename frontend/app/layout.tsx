import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import 'highlight.js/styles/github-dark.css';
import './globals.css';
import { Header } from '../components/Header';

export const metadata: Metadata = {
  title: { default: 'the arena · which model writes better code?', template: '%s · the arena' },
  description: 'Two anonymous models answer your programming request; their code runs; you vote.',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <Header />
        <main>{children}</main>
      </body>
    </html>
  );
}
