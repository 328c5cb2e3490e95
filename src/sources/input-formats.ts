/** The formats an input directory's tables can be in; `auto` takes whichever is there. */
export type InputFormat = 'ndjson' | 'csv' | 'parquet';
export const INPUT_FORMATS: readonly (InputFormat | 'auto')[] = ['auto', 'ndjson', 'csv', 'parquet'];
