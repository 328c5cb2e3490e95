/** Public API of the dataset generator: replays the notebook's revenue dataset from a seed. */
export { generateDataset, formatFixed, FILE_NAMES } from './generate-dataset.ts';
export type { GenerateOptions, GenerateResult } from './generate-dataset.ts';
export { Prng } from './prng.ts';
export {
  GENRES,
  REGIONS,
  DEVICES,
  PLANS,
  PRICES_CENTS,
  COUNTRIES,
  LABELS,
  DURATION_SEC,
  CPM_CENTS,
  RATE_TEN_THOUSANDTHS,
  EVENT_YEAR,
  EVENT_DAY_MAX,
  NOTEBOOK_SIZES,
} from './notebook-values.ts';
