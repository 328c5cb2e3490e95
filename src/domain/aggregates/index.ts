export { TOP_ARTISTS } from './artist-payouts.ts';
export { Bitset, type SetChanges } from './bitset.ts';
export { KeyedAggregate, type AggregateDeclaration, type AggregatePartial, type AggregateState, type Group, type IdTranslation, type Measure, PublishedView } from './keyed-aggregate.ts';
export { PairIndex } from './pair-index.ts';
export { DECLARATIONS, ReportSet, type ReportSetPartial, type ReportSetState, type ReportSetViews } from './report-set.ts';
