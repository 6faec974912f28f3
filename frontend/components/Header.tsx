'use client';
import Link from 'next/link';
import { usePathname } from 'next/navigation';

export function Header() {
  const path = usePathname();
  const link = (href: string, label: string) => (
    <Link href={href} className={path === href ? 'nav-active' : ''}>
      {label}
    </Link>
  );
  return (
    <header className="top">
      <Link href="/" className="brand">
        <span className="brand-mark">⚔</span> the arena
      </Link>
      <nav>
        {link('/', 'Battle')}
        {link('/watch/', 'Watch live')}
        {link('/session/', 'Sessions')}
        {link('/leaderboard/', 'Leaderboard')}
        {link('/reward/', 'Judges')}
        {link('/datasets/', 'Data sets')}
      </nav>
      <span className="tagline">code models, judged by running their code</span>
    </header>
  );
}
