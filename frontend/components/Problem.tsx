import Link from 'next/link';
import type { ReactNode } from 'react';

/**
 * Something a visitor ran into (an unknown battle, a wrong join code): what happened in words, and where
 * to go from here. The page's one heading when it is all the page shows.
 */
export function Problem({
  title,
  children,
  links,
}: {
  title: string;
  children?: ReactNode;
  links: { href: string; label: string }[];
}) {
  return (
    <div className="problem" data-testid="problem">
      <h1>{title}</h1>
      {children}
      <p className="problem-links">
        {links.map((l) => (
          <Link key={l.href} href={l.href}>
            {l.label}
          </Link>
        ))}
      </p>
    </div>
  );
}
