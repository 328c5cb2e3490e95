export { AdRateTable } from './ad-rate-table.ts';
export { PayoutTable } from './payout-table.ts';
export { NO_SUBSCRIPTION, SubscriptionStore, type CachedSubscription, type CacheCounters } from './subscription-store.ts';
export { applyDimensionBatch, createDimensions, tableRows, type Dimensions, type DimensionApplyResult } from './dimensions.ts';
export { murmur2, partitionOf } from './key-partition.ts';
export { adoptSmallTable, isSmallTable, smallTableImage, type SmallTableImage, type SmallTableName } from './small-table-image.ts';
