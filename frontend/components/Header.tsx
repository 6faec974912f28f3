'use client';
import Link from 'next/link';
import { usePathname } from 'next/navigation';

export function Header() {
  const path = usePathname();
  const link = (href: string, label: string) => (
    <Link href={href} className={path === href ? 'nav-active' : ''} aria-current={path === href ? 'page' : undefined}>
      {label}
    </Link>
  );
  return (
    <header className="top">
      <Link href="/" className="brand">
        <span className="brand-mark" aria-hidden="true">
          ⚔
        </span>{' '}
        the arena
      </Link>
      <nav aria-label="Main">
        {link('/', 'Battle')}
        {link('/watch/', 'Watch live')}
        {link('/session/', 'Sessions')}
        {link('/leaderboard/', 'Leaderboard')}
        {link('/reward/', 'Judges')}
        {link('/eval/', 'Evals')}
        {link('/datasets/', 'Data sets')}
      </nav>
      <span className="tagline">code models, judged by running their code</span>
    </header>
  );
}
