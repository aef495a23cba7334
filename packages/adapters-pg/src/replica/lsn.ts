/** A PostgreSQL WAL position (`pg_lsn`) as text, e.g. `16/B374D848`: two hex numbers of up to 32 bits each. */
const LSN = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/;

export const isLsn = (text: string): boolean => LSN.test(text);

/** The LSN as a byte position, or undefined when the text is not an LSN. */
export const lsnToBigInt = (text: string): bigint | undefined => {
  const match = LSN.exec(text);
  if (!match) return undefined;
  return (BigInt(`0x${match[1]}`) << 32n) + BigInt(`0x${match[2]}`);
};
