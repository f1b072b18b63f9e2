// The currencies a business can keep its prices and budget in, and the one a new answer starts with.
// A short list people can scan in a select, not all of ISO 4217: the currencies of the places small
// businesses using Alva are likely to be in. Plain data, so card pages can import it.
import type { Option } from "./sections.ts";

export const currencies: Option[] = [
  { value: "EUR", label: "EUR — Euro" },
  { value: "USD", label: "USD — US dollar" },
  { value: "GBP", label: "GBP — British pound" },
  { value: "CHF", label: "CHF — Swiss franc" },
  { value: "SEK", label: "SEK — Swedish krona" },
  { value: "NOK", label: "NOK — Norwegian krone" },
  { value: "DKK", label: "DKK — Danish krone" },
  { value: "PLN", label: "PLN — Polish złoty" },
  { value: "CZK", label: "CZK — Czech koruna" },
  { value: "HUF", label: "HUF — Hungarian forint" },
  { value: "RON", label: "RON — Romanian leu" },
  { value: "TRY", label: "TRY — Turkish lira" },
  { value: "CAD", label: "CAD — Canadian dollar" },
  { value: "MXN", label: "MXN — Mexican peso" },
  { value: "BRL", label: "BRL — Brazilian real" },
  { value: "AUD", label: "AUD — Australian dollar" },
  { value: "NZD", label: "NZD — New Zealand dollar" },
  { value: "JPY", label: "JPY — Japanese yen" },
  { value: "CNY", label: "CNY — Chinese yuan" },
  { value: "HKD", label: "HKD — Hong Kong dollar" },
  { value: "SGD", label: "SGD — Singapore dollar" },
  { value: "KRW", label: "KRW — South Korean won" },
  { value: "INR", label: "INR — Indian rupee" },
  { value: "AED", label: "AED — UAE dirham" },
  { value: "ILS", label: "ILS — Israeli new shekel" },
  { value: "ZAR", label: "ZAR — South African rand" },
];

/** Answers saved before the currency was asked for were in euros (the only unit the cards showed). */
export const legacyCurrency = "EUR";

const euroArea = "AT BE CY DE EE ES FI FR GR HR IE IT LT LU LV MT NL PT SI SK".split(" ");
const currencyOfRegion: Record<string, string> = {
  ...Object.fromEntries(euroArea.map((region) => [region, "EUR"])),
  US: "USD",
  GB: "GBP",
  CH: "CHF",
  LI: "CHF",
  SE: "SEK",
  NO: "NOK",
  DK: "DKK",
  PL: "PLN",
  CZ: "CZK",
  HU: "HUF",
  RO: "RON",
  TR: "TRY",
  CA: "CAD",
  MX: "MXN",
  BR: "BRL",
  AU: "AUD",
  NZ: "NZD",
  JP: "JPY",
  CN: "CNY",
  HK: "HKD",
  SG: "SGD",
  KR: "KRW",
  IN: "INR",
  AE: "AED",
  IL: "ILS",
  ZA: "ZAR",
};

/**
 * The currency of the browser's first language that names (or implies) a region we know:
 * "de-CH" → CHF, "en-GB" → GBP, "fr" → France → EUR, "en" → United States → USD. Euros otherwise.
 */
export function currencyFromLocale(acceptLanguage: string | null): string {
  const tags = (acceptLanguage ?? "")
    .split(",")
    .map((part) => part.split(";")[0]?.trim() ?? "")
    .filter((tag) => tag && tag !== "*")
    .slice(0, 10);
  for (const tag of tags) {
    let region: string | undefined;
    try {
      region = new Intl.Locale(tag).maximize().region;
    } catch {
      continue; // not a language tag
    }
    const currency = region ? currencyOfRegion[region] : undefined;
    if (currency) return currency;
  }
  return "EUR";
}

/** An amount as people read it: "€1,200", "CHF 45.50", "¥3,000". */
export function formatMoney(amount: number, currency: string): string {
  try {
    return new Intl.NumberFormat("en", {
      style: "currency",
      currency,
      maximumFractionDigits: Number.isInteger(amount) ? 0 : 2,
    }).format(amount);
  } catch {
    return `${amount.toLocaleString("en")} ${currency}`; // not a currency Intl knows
  }
}
