import { mergeCost } from './merge-cost.ts';

// the merge cost measured in a process of its own (see mergeCostInChild): its figures on stdout, as JSON
process.stdout.write(`${JSON.stringify(await mergeCost(process.argv[2] as string))}\n`);
