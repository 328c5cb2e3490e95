export { TOP_ARTISTS } from './artist-payouts.ts';
export { Bitset } from './bitset.ts';
export { KeyedAggregate, type AggregateDeclaration, type AggregateState, type Group, type Measure } from './keyed-aggregate.ts';
export { PairIndex } from './pair-index.ts';
export { DECLARATIONS, ReportSet, type ReportSetState } from './report-set.ts';
