import { randomBytes } from 'node:crypto';
import { chown, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The file in the data directory that keeps the superuser's password (mode 0600). */
export const PASSWORD_FILE = 'oms-superuser-password';

export const newPassword = (): string => randomBytes(24).toString('base64url');

/** The password kept in the data directory, or undefined when there is none (a new or an older cluster). */
export const readKeptPassword = async (dataDir: string): Promise<string | undefined> => {
  try {
    const kept = (await readFile(join(dataDir, PASSWORD_FILE), 'utf8')).trim();
    return kept.length > 0 ? kept : undefined;
  } catch {
    return undefined;
  }
};

/** Writes the password into the data directory, mode 0600, owned like the cluster (written whole, then renamed). */
export const keepPassword = async (
  dataDir: string,
  password: string,
  owner?: { readonly uid: number; readonly gid: number },
): Promise<void> => {
  const target = join(dataDir, PASSWORD_FILE);
  const partial = `${target}.partial`;
  await writeFile(partial, `${password}\n`, { mode: 0o600 });
  if (owner) await chown(partial, owner.uid, owner.gid);
  await rename(partial, target);
};
