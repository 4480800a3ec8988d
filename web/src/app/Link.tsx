import type { ReactNode } from 'react';
import { href, type QueryInit } from './router.ts';

interface Props {
  to: string;
  query?: QueryInit;
  className?: string;
  title?: string;
  children: ReactNode;
}

/** An ordinary anchor to a console route, so middle-click and "open in new tab" work. */
export function Link({ to, query, className, title, children }: Props) {
  return (
    <a href={href(to, query)} className={className} title={title}>
      {children}
    </a>
  );
}
