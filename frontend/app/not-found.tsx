import type { Metadata } from 'next';
import Link from 'next/link';

export const metadata: Metadata = { title: 'Page not found' };

/** Any path the arena does not have (the backend answers unknown paths with this page and a 404). */
export default function NotFound() {
  return (
    <div className="page problem-page" data-testid="not-found">
      <h1 className="page-title">There is no page here</h1>
      <p className="muted">The address may be mistyped, or the page may have moved.</p>
      <p className="problem-links">
        <Link href="/" className="primary">
          Start a battle
        </Link>
        <Link href="/watch/">Watch live battles</Link>
        <Link href="/leaderboard/">See the leaderboard</Link>
      </p>
    </div>
  );
}
