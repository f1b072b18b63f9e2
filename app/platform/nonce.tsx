// The CSP nonce of the document being rendered. Provided by entry.server.tsx; in the browser it is
// empty, which is fine: browsers hide nonce attributes after parsing, and scripts are already loaded.
import { createContext, useContext } from "react";

export const NonceContext = createContext("");

export function useNonce(): string {
  return useContext(NonceContext);
}
