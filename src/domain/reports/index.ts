export * from './report-rows.ts';
export { renderCsv } from './render-csv.ts';
export { renderTable } from './render-table.ts';
