import { execFileSync } from 'node:child_process';

export interface Revision {
  readonly commit: string;
  /** Files under `paths` that differ from the commit (uncommitted edits were measured too). */
  readonly uncommittedChanges: number;
}

/** The commit measured, so a figure can be traced to the code; undefined outside a git checkout. */
export function gitRevision(cwd: string, paths: readonly string[] = ['src']): Revision | undefined {
  try {
    const git = (...args: string[]) =>
      execFileSync('git', args, { cwd, encoding: 'utf8', stdio: 'pipe' }).trim();
    const status = git('status', '--porcelain', '--', ...paths);
    return {
      commit: git('rev-parse', 'HEAD'),
      uncommittedChanges: status === '' ? 0 : status.split('\n').length,
    };
  } catch {
    return undefined;
  }
}
