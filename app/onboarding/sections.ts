// The questionnaire's sections and how a card's fields are described: plain data and types, no zod,
// so page components can import it without shipping the schemas to the browser.

export const sections = ["Business", "Offer", "Customers", "Competition", "Brand", "Channels", "Goals"] as const;
export type Section = (typeof sections)[number];

/** The profile key of each section (profile.ts). */
export type SectionKey = "business" | "offer" | "customers" | "competition" | "brand" | "channels" | "goals";
export const sectionKeys: Record<Section, SectionKey> = {
  Business: "business",
  Offer: "offer",
  Customers: "customers",
  Competition: "competition",
  Brand: "brand",
  Channels: "channels",
  Goals: "goals",
};

export interface Option {
  value: string;
  label: string;
}

/** How one form field is rendered. `name` is the form field's name, as conform parses it. */
export type FieldDef =
  | { kind: "text"; name: string; label: string; placeholder?: string; maxLength: number; autoComplete?: string }
  | { kind: "textarea"; name: string; label: string; placeholder?: string; maxLength: number }
  | { kind: "url"; name: string; label: string; placeholder?: string }
  | { kind: "choice"; name: string; label: string; options: Option[] }
  | { kind: "multi"; name: string; label: string; options: Option[]; max?: number }
  | { kind: "number"; name: string; label: string; unit: string; min: number; max: number; step?: number }
  /** An amount in the currency the same card's `currency` field holds; `per` follows it ("per month"). */
  | { kind: "money"; name: string; label: string; per?: string; min: number; max: number; step?: number }
  | { kind: "currency"; name: string; label: string; options: Option[] }
  | { kind: "competitors"; name: string; label: string; rows: number }
  | { kind: "logo"; name: string; label: string }
  | { kind: "brand-images"; name: string; label: string; maxImages: number; colourSlots: number };
