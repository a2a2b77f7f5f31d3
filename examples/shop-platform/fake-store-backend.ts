/**
 * In-memory stand-ins for what the shop platform's jobs talk to: each store's catalogue, its
 * OAuth tokens and its credit ledger. State lives for the life of the process, which is enough
 * to show that a second catalogue import updates rather than creates, and that a retried credit
 * deduction is not charged twice.
 */

export interface StoredToken {
  /** A hash prefix of the token: enough to tell tokens apart in logs without leaking them. */
  fingerprint: string;
  expiresAt: Date;
}

/** New stores start with this many credits. */
const OPENING_CREDITS = 1_000;

/**
 * The platform's stores. System jobs (no tenant) work through all of them; the per-store
 * catalogue imports carry the store as their tenant.
 */
export const STORES = [
  { id: 'store_101', name: 'Berlin Bikes' },
  { id: 'store_102', name: 'Lyon Kitchenware' },
  { id: 'store_103', name: 'Porto Ceramics' },
] as const;

const catalogues = new Map<string, Set<string>>();
const tokens = new Map<string, StoredToken>();
const balances = new Map<string, number>();
const appliedDeductions = new Set<string>();

export const fakeStoreBackend = {
  /** The ids of every store on the platform. */
  listStoreIds(): string[] {
    return STORES.map((store) => store.id);
  },

  /** The SKUs a store already sells (created on first use). */
  catalogueOf(storeId: string): Set<string> {
    const skus = catalogues.get(storeId) ?? new Set<string>();
    catalogues.set(storeId, skus);
    return skus;
  },

  tokenOf(storeId: string): StoredToken | undefined {
    return tokens.get(storeId);
  },

  saveToken(storeId: string, token: StoredToken): void {
    tokens.set(storeId, token);
  },

  /**
   * Deducts `credits` from the store once per `key`. A second call with the same key (a retried
   * attempt of the same run) changes nothing and reports `applied: false`.
   */
  deductCreditsOnce(storeId: string, key: string, credits: number): { applied: boolean; balance: number } {
    const balance = balances.get(storeId) ?? OPENING_CREDITS;
    if (appliedDeductions.has(key)) return { applied: false, balance };
    appliedDeductions.add(key);
    balances.set(storeId, balance - credits);
    return { applied: true, balance: balance - credits };
  },
};

/**
 * The stores a run works for. A run bound to a tenant works for that store only and must not
 * reach another one through its payload; a run without a tenant works for the payload's store,
 * or, with none, for every store (the system jobs).
 */
export function resolveStoreIds(payloadStoreId: string | undefined, tenantId: string | null): string[] {
  if (tenantId && payloadStoreId && tenantId !== payloadStoreId) {
    throw new Error(`payload store_id ${payloadStoreId} does not match the run's tenant ${tenantId}`);
  }
  const storeId = tenantId ?? payloadStoreId;
  return storeId ? [storeId] : fakeStoreBackend.listStoreIds();
}
