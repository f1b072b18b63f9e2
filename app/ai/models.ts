// Model ids that pages need on the client too (provider.server.ts holds everything else about providers).

/** The offline demo model's id (scripts/demo-model.ts): it assembles answers with fixed rules; not an AI. */
export const DEMO_MODEL = "alva-demo";
