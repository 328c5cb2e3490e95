import type { DictionaryImage } from '../dictionary.ts';
import type { AdRateImage } from './ad-rate-table.ts';
import type { Dimensions } from './dimensions.ts';
import type { PayoutImage } from './payout-table.ts';

/** The broadcast tables one shard applies from their file and every other shard adopts. */
export type SmallTableName = 'ad_rates' | 'payouts';

/**
 * A small table as one shard applied it, with the dictionaries its rows fill (nothing else fills
 * them before the first event): another shard that adopts it has the same rows under the same ids.
 */
export type SmallTableImage =
  | { readonly table: 'ad_rates'; readonly dictionaries: { readonly genre: DictionaryImage; readonly device: DictionaryImage }; readonly rows: AdRateImage }
  | { readonly table: 'payouts'; readonly dictionaries: { readonly artist: DictionaryImage; readonly label: DictionaryImage }; readonly rows: PayoutImage };

export function isSmallTable(table: string): table is SmallTableName {
  return table === 'ad_rates' || table === 'payouts';
}

export function smallTableImage(dims: Dimensions, table: SmallTableName): SmallTableImage {
  const { dicts } = dims;
  return table === 'ad_rates'
    ? { table, dictionaries: { genre: dicts.genre.image(), device: dicts.device.image() }, rows: dims.adRates.image() }
    : { table, dictionaries: { artist: dicts.artist.image(), label: dicts.label.image() }, rows: dims.payouts.image() };
}

/**
 * Becomes `image`'s table and dictionaries. Over dictionaries that hold nothing the image does not
 * begin with (Dictionary.adopt checks): before any event, and after earlier images of the same
 * table only, as a shard takes them in file order.
 */
export function adoptSmallTable(dims: Dimensions, image: SmallTableImage): void {
  const { dicts } = dims;
  if (image.table === 'ad_rates') {
    dicts.genre.adopt(image.dictionaries.genre);
    dicts.device.adopt(image.dictionaries.device);
    dims.adRates.adopt(image.rows);
  } else {
    dicts.artist.adopt(image.dictionaries.artist);
    dicts.label.adopt(image.dictionaries.label);
    dims.payouts.adopt(image.rows);
  }
}
