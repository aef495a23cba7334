/** A data key wrapped by a master key, and which master key wrapped it. */
export interface WrappedDataKey {
  readonly wrapped: Uint8Array;
  readonly masterKeyId: string;
}

/**
 * Where the master key lives: wraps and unwraps the per-customer data keys (envelope encryption). The local
 * implementation holds the master key in memory (`OMS_MASTER_KEY`); a cloud KMS adapter (AWS KMS Encrypt/Decrypt,
 * Google Cloud KMS, Azure Key Vault wrapKey) implements the same three members without the key leaving the KMS.
 */
export interface KeyManagement {
  /** The master key new data keys are wrapped with. */
  readonly currentMasterKeyId: string;
  /** Whether it can unwrap a data key wrapped by this master key (the current one or one rotated out). */
  knows(masterKeyId: string): boolean;
  wrap(dataKey: Uint8Array): Promise<WrappedDataKey>;
  unwrap(key: WrappedDataKey): Promise<Uint8Array>;
}
